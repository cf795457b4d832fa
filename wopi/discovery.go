package wopi

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"regexp"
	"strings"
)

// Action names of the discovery that Cartable uses.
const (
	ActionView    = "view"
	ActionEdit    = "edit"
	ActionEditNew = "editnew"
)

// Action is what the office server offers for one extension: an app (writer,
// calc, "Word"…) and the URL of its page for that action.
type Action struct {
	App    string
	Name   string
	Ext    string
	URLSrc string
}

// ProofKeys are the office server's public keys: the requests are signed with the
// current one, and with the old one while it rotates.
type ProofKeys struct {
	Current *rsa.PublicKey
	Old     *rsa.PublicKey
}

// Discovery is a parsed /hosting/discovery document.
type Discovery struct {
	actions map[string]map[string]Action // ext → action name → action
	Keys    ProofKeys
}

// Action returns the first of the named actions the office server offers for an
// extension (without its dot, any case).
func (d *Discovery) Action(ext string, names ...string) (Action, bool) {
	byName := d.actions[strings.ToLower(ext)]
	for _, n := range names {
		if a, ok := byName[n]; ok {
			return a, true
		}
	}
	return Action{}, false
}

// Extensions counts the extensions with at least one action.
func (d *Discovery) Extensions() int { return len(d.actions) }

type xmlDiscovery struct {
	Zones []struct {
		Name string `xml:"name,attr"`
		Apps []struct {
			Name    string `xml:"name,attr"`
			Actions []struct {
				Name   string `xml:"name,attr"`
				Ext    string `xml:"ext,attr"`
				URLSrc string `xml:"urlsrc,attr"`
			} `xml:"action"`
		} `xml:"app"`
	} `xml:"net-zone"`
	ProofKey *struct {
		Modulus     string `xml:"modulus,attr"`
		Exponent    string `xml:"exponent,attr"`
		OldModulus  string `xml:"oldmodulus,attr"`
		OldExponent string `xml:"oldexponent,attr"`
	} `xml:"proof-key"`
}

// ParseDiscovery reads a discovery document. Actions without an extension (the
// ones Collabora lists by MIME type) are left out: Cartable picks by extension.
func ParseDiscovery(r io.Reader) (*Discovery, error) {
	var x xmlDiscovery
	if err := xml.NewDecoder(io.LimitReader(r, 8<<20)).Decode(&x); err != nil {
		return nil, fmt.Errorf("wopi: read the discovery: %w", err)
	}
	d := &Discovery{actions: map[string]map[string]Action{}}
	for _, z := range x.Zones {
		for _, app := range z.Apps {
			for _, a := range app.Actions {
				ext := strings.ToLower(strings.TrimPrefix(a.Ext, "."))
				if ext == "" || a.URLSrc == "" {
					continue
				}
				if d.actions[ext] == nil {
					d.actions[ext] = map[string]Action{}
				}
				if _, seen := d.actions[ext][a.Name]; !seen {
					d.actions[ext][a.Name] = Action{App: app.Name, Name: a.Name, Ext: ext, URLSrc: a.URLSrc}
				}
			}
		}
	}
	if len(d.actions) == 0 {
		return nil, fmt.Errorf("wopi: the discovery lists no action for any extension")
	}
	if k := x.ProofKey; k != nil && k.Modulus != "" {
		var err error
		if d.Keys.Current, err = rsaKey(k.Modulus, k.Exponent); err != nil {
			return nil, fmt.Errorf("wopi: the discovery's proof key: %w", err)
		}
		if k.OldModulus != "" {
			if d.Keys.Old, err = rsaKey(k.OldModulus, k.OldExponent); err != nil {
				return nil, fmt.Errorf("wopi: the discovery's old proof key: %w", err)
			}
		}
	}
	return d, nil
}

// rsaKey builds a public key from the base64 big-endian modulus and exponent.
func rsaKey(modulus, exponent string) (*rsa.PublicKey, error) {
	n, err := base64.StdEncoding.DecodeString(modulus)
	if err != nil {
		return nil, fmt.Errorf("modulus: %w", err)
	}
	e, err := base64.StdEncoding.DecodeString(exponent)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, fmt.Errorf("exponent %q", exponent)
	}
	exp := new(big.Int).SetBytes(e)
	if len(n) < 128 || exp.Int64() < 3 {
		return nil, fmt.Errorf("a key of %d bits, exponent %d, is too weak", len(n)*8, exp.Int64())
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
}

// placeholder is one optional parameter of an urlsrc: <ui=UI_LLCC&>.
var placeholder = regexp.MustCompile(`<([A-Za-z0-9_]+)=([A-Z_]+)&?>`)

// placeholderValues fills the placeholders Cartable knows (the language); every
// other one is removed, as the discovery's documentation says.
var placeholderValues = map[string]string{
	"UI_LLCC": "fr-FR",
	"DC_LLCC": "fr-FR",
}

// FillURLSrc makes the action URL a portal opens: the urlsrc with its placeholders
// filled or removed, then WOPISrc and the editor's language.
func FillURLSrc(urlsrc, wopiSrc string) string {
	filled := placeholder.ReplaceAllStringFunc(urlsrc, func(m string) string {
		p := placeholder.FindStringSubmatch(m)
		if v, ok := placeholderValues[p[2]]; ok {
			return p[1] + "=" + url.QueryEscape(v) + "&"
		}
		return ""
	})
	filled = strings.TrimRight(filled, "&")
	switch {
	case !strings.Contains(filled, "?"):
		filled += "?"
	case !strings.HasSuffix(filled, "?"):
		filled += "&"
	}
	return filled + "WOPISrc=" + url.QueryEscape(wopiSrc) + "&lang=fr"
}
