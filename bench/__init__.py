"""`make bench`: the product's throughput, latency, memory and page times against its ceilings."""
