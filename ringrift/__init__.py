"""RingRift Forge command line (`ringrift`): thin entry points over the `engine` library."""
