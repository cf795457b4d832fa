package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"cartable/events"
)

// exampleWebhookSecret is the secret the webhook's description signs its example with.
const exampleWebhookSecret = "example-webhook-secret"

// TestWebhookSpecMatchesDelivery: the webhooks section of api/openapi.yaml says what
// events.Deliver sends. Every example is an event as Cartable encodes it (no field
// more, none typed otherwise), and the share example's bytes and signature, which
// the description quotes for receiver authors to test their check against, are the
// ones Cartable would send with the secret it names.
func TestWebhookSpecMatchesDelivery(t *testing.T) {
	var doc struct {
		Webhooks map[string]map[string]struct {
			Description string `yaml:"description"`
			Parameters  []struct {
				Name     string `yaml:"name"`
				In       string `yaml:"in"`
				Required bool   `yaml:"required"`
				Example  string `yaml:"example"`
			} `yaml:"parameters"`
			RequestBody struct {
				Content map[string]struct {
					Examples map[string]struct {
						Value map[string]any `yaml:"value"`
					} `yaml:"examples"`
				} `yaml:"content"`
			} `yaml:"requestBody"`
		} `yaml:"webhooks"`
	}
	if err := yaml.Unmarshal(OpenAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	op, ok := doc.Webhooks["event"]["post"]
	if !ok {
		t.Fatalf("openapi.yaml has no webhooks.event.post (webhooks: %v)", slices.Collect(maps.Keys(doc.Webhooks)))
	}
	headers := map[string]string{}
	for _, p := range op.Parameters {
		if p.In == "header" && p.Required {
			headers[p.Name] = p.Example
		}
	}
	for _, name := range []string{events.SignatureHeader, "Cartable-Event-Id"} {
		if _, ok := headers[name]; !ok {
			t.Errorf("the webhook does not declare the required header %s", name)
		}
	}
	examples := op.RequestBody.Content["application/json"].Examples
	for _, kind := range []string{events.Share, events.Unshare, events.Drop} {
		if _, ok := examples[kind]; !ok {
			t.Errorf("no %s example", kind)
		}
	}
	for name, ex := range examples {
		body := sentBody(t, name, ex.Value)
		if name != events.Share {
			continue
		}
		if !strings.Contains(op.Description, "`"+exampleWebhookSecret+"`") || !strings.Contains(op.Description, string(body)) {
			t.Errorf("the description does not quote the secret %q and the bytes sent for the share example:\n%s", exampleWebhookSecret, body)
		}
		if want := events.Sign(exampleWebhookSecret, body); headers[events.SignatureHeader] != want {
			t.Errorf("the %s example is %q, want %q", events.SignatureHeader, headers[events.SignatureHeader], want)
		}
		if id, _ := json.Marshal(ex.Value["id"]); headers["Cartable-Event-Id"] != string(id) {
			t.Errorf("the Cartable-Event-Id example is %q, want the share example's id %s", headers["Cartable-Event-Id"], id)
		}
	}
}

// sentBody decodes an example into an event and returns the bytes Cartable would
// send for it, failing when the example holds what an event does not.
func sentBody(t *testing.T, name string, example map[string]any) []byte {
	t.Helper()
	raw, err := json.Marshal(example)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var e events.Event
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("the %s example is not an event: %v", name, err)
	}
	body, err := json.Marshal(e) // as events.send encodes it
	if err != nil {
		t.Fatal(err)
	}
	var back, want map[string]any
	json.Unmarshal(body, &back)
	json.Unmarshal(raw, &want)
	if !reflect.DeepEqual(back, want) {
		t.Errorf("the %s example is not what Cartable sends for it:\n got %s\nsent %s", name, raw, body)
	}
	return body
}
