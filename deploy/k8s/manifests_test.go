package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// kustomizations are the folders kustomize builds.
var kustomizations = []string{"base", "overlays/example"}

// builtin are the kinds of the Kubernetes API the manifests use, by apiVersion/kind:
// each is decoded strictly into its type, so a misspelt or misplaced field fails.
var builtin = map[string]func() any{
	"v1/ConfigMap":                           func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                              func() any { return &corev1.Secret{} },
	"v1/Service":                             func() any { return &corev1.Service{} },
	"v1/ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"apps/v1/Deployment":                     func() any { return &appsv1.Deployment{} },
	"batch/v1/Job":                           func() any { return &batchv1.Job{} },
	"autoscaling/v2/HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1/PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1/Ingress":           func() any { return &networkingv1.Ingress{} },
}

// manifest is one YAML document of one file, decoded.
type manifest struct {
	file string
	kind string // apiVersion/kind
	name string
	raw  []byte
	obj  any // the typed object, for the built-in kinds
}

// kustomization is what the kustomization files use of kustomize's format, decoded
// strictly: a field kustomize does not have (or these files do not use) fails.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace,omitempty"`
	Resources  []string `json:"resources,omitempty"`
	Labels     []struct {
		Pairs map[string]string `json:"pairs"`
	} `json:"labels,omitempty"`
	Images []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
	Patches []struct {
		Path string `json:"path"`
	} `json:"patches,omitempty"`
}

func readKustomization(t *testing.T, dir string) kustomization {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("%s/kustomization.yaml: %v", dir, err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("%s/kustomization.yaml: apiVersion %q kind %q", dir, k.APIVersion, k.Kind)
	}
	return k
}

// loadManifests reads every manifest of every kustomization, decoding the built-in
// kinds strictly.
func loadManifests(t *testing.T) []manifest {
	t.Helper()
	var out []manifest
	for _, dir := range kustomizations {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if filepath.Base(f) == "kustomization.yaml" {
				continue
			}
			out = append(out, decodeFile(t, f)...)
		}
	}
	return out
}

func decodeFile(t *testing.T, file string) []manifest {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []manifest
	for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var meta struct {
			metav1.TypeMeta `json:",inline"`
			Metadata        metav1.ObjectMeta `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Errorf("%s, document %d: %v", file, i+1, err)
			continue
		}
		m := manifest{file: file, kind: meta.APIVersion + "/" + meta.Kind, name: meta.Metadata.Name, raw: []byte(doc)}
		if m.name == "" {
			t.Errorf("%s, document %d: no metadata.name", file, i+1)
		}
		if newObj, ok := builtin[m.kind]; ok {
			m.obj = newObj()
			if err := yaml.UnmarshalStrict(m.raw, m.obj); err != nil {
				t.Errorf("%s (%s %s): %v", file, m.kind, m.name, err)
			}
		} else if _, ok := custom[m.kind]; !ok {
			t.Errorf("%s: %s is neither a kind this test knows nor a custom resource it checks", file, m.kind)
		}
		out = append(out, m)
	}
	return out
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// TestManifestsDecodeStrictly: every document of every manifest is a kind the
// Kubernetes API has, with only the fields its type has, or one of the custom
// resources with the fields their operators require.
func TestManifestsDecodeStrictly(t *testing.T) {
	ms := loadManifests(t)
	if len(ms) == 0 {
		t.Fatal("no manifest found")
	}
	seen := map[string]bool{}
	for _, m := range ms {
		seen[m.kind] = true
		if check, ok := custom[m.kind]; ok {
			for _, problem := range check(m.raw) {
				t.Errorf("%s (%s %s): %s", m.file, m.kind, m.name, problem)
			}
		}
	}
	for _, kind := range []string{"apps/v1/Deployment", "batch/v1/Job", "autoscaling/v2/HorizontalPodAutoscaler",
		"policy/v1/PodDisruptionBudget", "v1/Service", "networking.k8s.io/v1/Ingress", "v1/ConfigMap", "v1/Secret",
		"minio.min.io/v2/Tenant", "postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/Pooler"} {
		if !seen[kind] {
			t.Errorf("no %s among the manifests", kind)
		}
	}
}

// TestKustomizationsListTheirFiles: each kustomization lists files (or folders with a
// kustomization) that exist, and every manifest of its folder is listed.
func TestKustomizationsListTheirFiles(t *testing.T) {
	for _, dir := range kustomizations {
		k := readKustomization(t, dir)
		listed := map[string]bool{}
		paths := slices.Clone(k.Resources)
		for _, p := range k.Patches {
			paths = append(paths, p.Path)
		}
		for _, p := range paths {
			full := filepath.Join(dir, p)
			info, err := os.Stat(full)
			switch {
			case err != nil:
				t.Errorf("%s/kustomization.yaml lists %s, which does not exist", dir, p)
			case info.IsDir():
				if _, err := os.Stat(filepath.Join(full, "kustomization.yaml")); err != nil {
					t.Errorf("%s/kustomization.yaml lists the folder %s, which has no kustomization.yaml", dir, p)
				}
			default:
				listed[filepath.Base(full)] = true
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			if name := filepath.Base(f); name != "kustomization.yaml" && !listed[name] {
				t.Errorf("%s is in no kustomization: kustomize would leave it out", f)
			}
		}
	}
}

// podSpecs are the pod templates of the Deployments and Jobs, by manifest.
func podSpecs(ms []manifest) map[string]*corev1.PodSpec {
	out := map[string]*corev1.PodSpec{}
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *appsv1.Deployment:
			out[m.kind+" "+m.name] = &o.Spec.Template.Spec
		case *batchv1.Job:
			out[m.kind+" "+m.name] = &o.Spec.Template.Spec
		}
	}
	return out
}

// documentedVariables are the variables of the README's configuration table.
func documentedVariables(t *testing.T) map[string]bool {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(CARTABLE_[A-Z0-9_]+)` \\|").FindAllSubmatch(readme, -1) {
		out[string(m[1])] = true
	}
	if len(out) < 20 {
		t.Fatalf("found only %d variables in the README's configuration table", len(out))
	}
	return out
}

// TestEnvironmentIsDocumented: every variable the pods get (env, and the keys of the
// ConfigMaps and Secrets they load whole) is one the README's configuration table
// documents, and every ConfigMap and Secret they load is among the manifests.
func TestEnvironmentIsDocumented(t *testing.T) {
	ms := loadManifests(t)
	documented := documentedVariables(t)
	configMaps, secrets := map[string][]string{}, map[string][]string{}
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *corev1.ConfigMap:
			configMaps[m.name] = append(configMaps[m.name], keys(o.Data)...)
		case *corev1.Secret:
			secrets[m.name] = append(secrets[m.name], append(keys(o.StringData), keys(o.Data)...)...)
		}
	}
	reported := map[string]bool{}
	check := func(where, name string) {
		if !documented[name] && !reported[where+name] {
			reported[where+name] = true
			t.Errorf("%s sets %s, which the README's configuration table does not document", where, name)
		}
	}
	for where, spec := range podSpecs(ms) {
		for _, c := range spec.Containers {
			for _, e := range c.Env {
				check(where, e.Name)
			}
			for _, from := range c.EnvFrom {
				switch {
				case from.ConfigMapRef != nil:
					vars, ok := configMaps[from.ConfigMapRef.Name]
					if !ok {
						t.Errorf("%s loads the ConfigMap %s, which no manifest defines", where, from.ConfigMapRef.Name)
					}
					for _, v := range vars {
						check("ConfigMap "+from.ConfigMapRef.Name, v)
					}
				case from.SecretRef != nil:
					vars, ok := secrets[from.SecretRef.Name]
					if !ok {
						t.Errorf("%s loads the Secret %s, which no manifest defines", where, from.SecretRef.Name)
					}
					for _, v := range vars {
						check("Secret "+from.SecretRef.Name, v)
					}
				}
			}
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// servedPaths are the paths of api/openapi.yaml, the contract the API serves (a test
// of the main module checks that the routes and the spec agree).
func servedPaths(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]any `json:"paths"`
	}
	if err := yaml.Unmarshal(data, &spec); err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	out := map[string]bool{}
	for p := range spec.Paths {
		out[p] = true
	}
	return out
}

// TestProbesPointAtServedPaths: each HTTP probe asks a path the API serves, on a port
// its container declares; the API's readiness is /readyz and its liveness /healthz.
func TestProbesPointAtServedPaths(t *testing.T) {
	ms := loadManifests(t)
	served := servedPaths(t)
	probes := 0
	for where, spec := range podSpecs(ms) {
		for _, c := range spec.Containers {
			ports := map[string]bool{}
			for _, p := range c.Ports {
				ports[p.Name] = true
				ports[fmt.Sprint(p.ContainerPort)] = true
			}
			for kind, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
				if p == nil || p.HTTPGet == nil {
					continue
				}
				probes++
				if !served[p.HTTPGet.Path] {
					t.Errorf("%s: the %s probe asks %s, which api/openapi.yaml does not have", where, kind, p.HTTPGet.Path)
				}
				if !ports[p.HTTPGet.Port.String()] {
					t.Errorf("%s: the %s probe's port %s is not a port of the container", where, kind, p.HTTPGet.Port.String())
				}
			}
			if strings.HasSuffix(where, "cartable-api") {
				if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
					t.Errorf("%s: the readiness probe must be GET /readyz (PostgreSQL and S3 answer)", where)
				}
				if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
					t.Errorf("%s: the liveness probe must be GET /healthz (the process only: a database outage must not restart every pod)", where)
				}
			}
		}
	}
	if probes == 0 {
		t.Error("no HTTP probe found")
	}
}

// TestPodsAreLockedDown: every pod runs as a non-root user, read-only, without
// privileges, with resources requested and its writable folders on emptyDir volumes.
func TestPodsAreLockedDown(t *testing.T) {
	for where, spec := range podSpecs(loadManifests(t)) {
		if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 {
			t.Errorf("%s: the pod must run as a non-root user (runAsNonRoot, runAsUser)", where)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			t.Errorf("%s: the pod must not get a service account token", where)
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = v
		}
		for _, c := range spec.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s/%s: want readOnlyRootFilesystem, no privilege escalation, all capabilities dropped", where, c.Name)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: want CPU and memory requests and a memory limit", where, c.Name)
			}
			tmp := false
			for _, vm := range c.VolumeMounts {
				v, ok := volumes[vm.Name]
				if !ok {
					t.Errorf("%s/%s mounts %s, which is not a volume of the pod", where, c.Name, vm.Name)
					continue
				}
				if vm.MountPath == "/tmp" && v.EmptyDir != nil {
					tmp = true
				}
			}
			if !tmp {
				t.Errorf("%s/%s: the root file system is read-only, so /tmp must be an emptyDir", where, c.Name)
			}
		}
	}
}

// TestAutoscalersAndBudgetsTargetTheDeployments: each HPA scales, and each PDB
// selects, a Deployment of the manifests.
func TestAutoscalersAndBudgetsTargetTheDeployments(t *testing.T) {
	ms := loadManifests(t)
	deployments := map[string]*appsv1.Deployment{}
	for _, m := range ms {
		if d, ok := m.obj.(*appsv1.Deployment); ok {
			deployments[m.name] = d
		}
	}
	scaled, budgeted := map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *autoscalingv2.HorizontalPodAutoscaler:
			ref := o.Spec.ScaleTargetRef
			if ref.Kind != "Deployment" || deployments[ref.Name] == nil {
				t.Errorf("HPA %s scales %s %s, which is not a Deployment of the manifests", m.name, ref.Kind, ref.Name)
			}
			scaled[ref.Name] = true
		case *policyv1.PodDisruptionBudget:
			for name, d := range deployments {
				if o.Spec.Selector != nil && subset(o.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
					budgeted[name] = true
				}
			}
		}
	}
	for name := range deployments {
		if !scaled[name] || !budgeted[name] {
			t.Errorf("Deployment %s: autoscaled %v, disruption budget %v; want both", name, scaled[name], budgeted[name])
		}
	}
}

func subset(want, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return len(want) > 0
}

// custom checks the custom resources of the operators the example relies on: the
// fields each operator requires, read from small structs (their full schemas are the
// operators' CRDs, which this module does not import).
var custom = map[string]func(raw []byte) []string{
	"minio.min.io/v2/Tenant":        checkTenant,
	"postgresql.cnpg.io/v1/Cluster": checkCNPGCluster,
	"postgresql.cnpg.io/v1/Pooler":  checkPooler,
}

// checkTenant: a MinIO operator Tenant needs pools, each with servers,
// volumesPerServer and a volumeClaimTemplate asking for storage; an erasure set
// needs at least 4 drives per pool.
func checkTenant(raw []byte) []string {
	var tenant struct {
		Spec struct {
			Configuration *struct {
				Name string `json:"name"`
			} `json:"configuration"`
			Pools []struct {
				Name                string                        `json:"name"`
				Servers             int                           `json:"servers"`
				VolumesPerServer    int                           `json:"volumesPerServer"`
				VolumeClaimTemplate *corev1.PersistentVolumeClaim `json:"volumeClaimTemplate"`
			} `json:"pools"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &tenant); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if len(tenant.Spec.Pools) == 0 {
		problems = append(problems, "spec.pools is required")
	}
	for i, p := range tenant.Spec.Pools {
		if p.Servers < 1 || p.VolumesPerServer < 1 {
			problems = append(problems, fmt.Sprintf("pool %d: servers and volumesPerServer are required", i))
		}
		if p.Servers*p.VolumesPerServer < 4 {
			problems = append(problems, fmt.Sprintf("pool %d: %d drives, an erasure set needs at least 4", i, p.Servers*p.VolumesPerServer))
		}
		if p.VolumeClaimTemplate == nil || p.VolumeClaimTemplate.Spec.Resources.Requests.Storage().IsZero() {
			problems = append(problems, fmt.Sprintf("pool %d: volumeClaimTemplate with a storage request is required", i))
		}
	}
	if tenant.Spec.Configuration == nil || tenant.Spec.Configuration.Name == "" {
		problems = append(problems, "spec.configuration.name (the secret with config.env and the root credentials) is required")
	}
	return problems
}

// checkCNPGCluster: a CloudNativePG Cluster needs instances and storage; a standby
// needs instances ≥ 2.
func checkCNPGCluster(raw []byte) []string {
	var c struct {
		Spec struct {
			Instances int `json:"instances"`
			Storage   *struct {
				Size string `json:"size"`
			} `json:"storage"`
			Bootstrap *struct {
				InitDB *struct {
					Database string `json:"database"`
					Owner    string `json:"owner"`
				} `json:"initdb"`
			} `json:"bootstrap"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if c.Spec.Instances < 2 {
		problems = append(problems, fmt.Sprintf("spec.instances = %d: a standby needs at least 2", c.Spec.Instances))
	}
	if c.Spec.Storage == nil || c.Spec.Storage.Size == "" {
		problems = append(problems, "spec.storage.size is required")
	}
	if c.Spec.Bootstrap == nil || c.Spec.Bootstrap.InitDB == nil || c.Spec.Bootstrap.InitDB.Database == "" || c.Spec.Bootstrap.InitDB.Owner == "" {
		problems = append(problems, "spec.bootstrap.initdb.database and owner: the database Cartable's URL names")
	}
	return problems
}

// checkPooler: a CloudNativePG Pooler needs its cluster and a pgbouncer section; its
// pool mode must be session (Cartable's advisory locks and LISTEN are per session).
func checkPooler(raw []byte) []string {
	var p struct {
		Spec struct {
			Cluster *struct {
				Name string `json:"name"`
			} `json:"cluster"`
			Type      string `json:"type"`
			Instances *int   `json:"instances"`
			PgBouncer *struct {
				PoolMode string `json:"poolMode"`
			} `json:"pgbouncer"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &p); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	if p.Spec.Cluster == nil || p.Spec.Cluster.Name == "" {
		problems = append(problems, "spec.cluster.name is required")
	}
	if p.Spec.PgBouncer == nil {
		problems = append(problems, "spec.pgbouncer is required")
	} else if p.Spec.PgBouncer.PoolMode != "session" {
		problems = append(problems, fmt.Sprintf("spec.pgbouncer.poolMode = %q: Cartable needs session (advisory locks, LISTEN)", p.Spec.PgBouncer.PoolMode))
	}
	if p.Spec.Type != "rw" {
		problems = append(problems, fmt.Sprintf("spec.type = %q: Cartable writes, it needs the rw pooler", p.Spec.Type))
	}
	return problems
}

// TestCustomResourcesReferToTheirPeers: the Pooler's cluster and the Tenant's
// configuration secret are among the manifests.
func TestCustomResourcesReferToTheirPeers(t *testing.T) {
	ms := loadManifests(t)
	names := map[string]bool{}
	for _, m := range ms {
		names[m.kind+" "+m.name] = true
	}
	for _, m := range ms {
		var ref struct {
			Spec struct {
				Cluster       struct{ Name string } `json:"cluster"`
				Configuration struct{ Name string } `json:"configuration"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(m.raw, &ref); err != nil {
			t.Fatal(err)
		}
		switch m.kind {
		case "postgresql.cnpg.io/v1/Pooler":
			if !names["postgresql.cnpg.io/v1/Cluster "+ref.Spec.Cluster.Name] {
				t.Errorf("Pooler %s pools the cluster %q, which no manifest defines", m.name, ref.Spec.Cluster.Name)
			}
		case "minio.min.io/v2/Tenant":
			if !names["v1/Secret "+ref.Spec.Configuration.Name] {
				t.Errorf("Tenant %s reads the secret %q, which no manifest defines", m.name, ref.Spec.Configuration.Name)
			}
		}
	}
}
