package k8s

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestExampleOverlayBuilds builds the example overlay with kustomize (kubectl's,
// when kubectl is installed) and decodes what it makes strictly too: the images are
// the registry's, every object is in the namespace, the ConfigMap patch applied.
func TestExampleOverlayBuilds(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		// Even under CI: make test installs no kubectl, and the other tests of this
		// package check the same files without it.
		t.Skip("kubectl is not installed: the overlay is not built")
	}
	out, err := exec.Command(kubectl, "kustomize", "overlays/example").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl kustomize overlays/example: %v\n%s", err, out)
	}
	objects := 0
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(out), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		objects++
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatal(err)
		}
		what := meta.Kind + " " + meta.Metadata.Name
		if meta.Metadata.Namespace != "cartable" {
			t.Errorf("%s is in namespace %q, want cartable", what, meta.Metadata.Namespace)
		}
		newObj, ok := builtin[meta.APIVersion+"/"+meta.Kind]
		if !ok {
			continue
		}
		obj := newObj()
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Errorf("%s as built: %v", what, err)
			continue
		}
		var spec *corev1.PodSpec
		switch o := obj.(type) {
		case *appsv1.Deployment:
			spec = &o.Spec.Template.Spec
		case *batchv1.Job:
			spec = &o.Spec.Template.Spec
		case *corev1.ConfigMap:
			if o.Name == "cartable-config" && o.Data["CARTABLE_PUBLIC_URL"] != "https://cartable.ent.example.fr" {
				t.Errorf("the overlay's settings were not applied: CARTABLE_PUBLIC_URL = %q", o.Data["CARTABLE_PUBLIC_URL"])
			}
		}
		if spec != nil {
			for _, c := range spec.Containers {
				if !strings.HasPrefix(c.Image, "registry.example.fr/cartable/") {
					t.Errorf("%s runs the image %q, not one the overlay names", what, c.Image)
				}
			}
		}
	}
	if objects < 15 {
		t.Errorf("the overlay built only %d objects", objects)
	}
}
