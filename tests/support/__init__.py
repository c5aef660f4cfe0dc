"""What the tests share: the graph builder, the API test server, the demo store, and the
independent copies of the exchange format the generator's output is checked against."""
