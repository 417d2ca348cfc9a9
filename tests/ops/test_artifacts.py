"""Reports published as Prefect artifacts: on a real server, and a clear line when there is none."""

from __future__ import annotations

from ops import prefect_client, publish_markdown


def test_a_report_becomes_a_markdown_artifact(prefect_server):
    assert publish_markdown("ops-artifact-test", "## Game statistics\n\n| a |\n|---|\n| 1 |", "a test report")
    with prefect_client() as c:  # a raw filter: the pinned client sends nulls the server rejects
        got = c._client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": ["ops-artifact-test"]}},
                                                        "limit": 10, "offset": 0, "sort": "CREATED_DESC"}).json()
    assert got and got[0]["type"] == "markdown" and got[0]["data"].startswith("## Game statistics")
    assert got[0]["description"] == "a test report"


def test_no_server_is_one_line_and_false(closed_api_url, capsys):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: closed_api_url}):
        assert publish_markdown("ops-artifact-nowhere", "# x", "unreachable") is False
    err = capsys.readouterr().err
    assert err.startswith("artifact 'ops-artifact-nowhere' not created: ") and err.count("\n") == 1
