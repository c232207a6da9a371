"""The local platform's L4 load balancer (HAProxy): one stable address per service in front of
its replicas, one frontend per caller→callee edge behind that edge's Toxiproxy proxy."""
