// Package k8s holds the Kubernetes manifests of Cartable (base/, overlays/example/)
// and their test, which decodes every manifest strictly into the Kubernetes API's
// types, with no cluster. It is a module of its own so that the Kubernetes API's
// dependencies stay out of Cartable's go.mod; `make test` (and `make k8s-test`)
// runs its test.
package k8s
