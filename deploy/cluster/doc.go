// Package cluster holds the smoke test of the local cluster that
// deploy/cluster/cluster.sh starts (`make cluster`, then `make cluster-test`): it
// runs only when CARTABLE_CLUSTER_URL names the cluster's proxy.
package cluster
