package wopi

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestParseDiscovery(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	mod := base64.StdEncoding.EncodeToString(key.N.Bytes())
	exp := base64.StdEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<wopi-discovery>
 <net-zone name="external-http">
  <app name="application/vnd.oasis.opendocument.text"><action default="true" ext="" name="edit" urlsrc="https://office/cool.html?"/></app>
  <app name="writer" favIconUrl="https://office/writer.png">
   <action default="true" ext="odt" name="edit" urlsrc="https://office/cool.html?"/>
   <action ext="ODT" name="view" urlsrc="https://office/view.html?"/>
  </app>
  <app name="Word"><action name="editnew" ext="docx" urlsrc="https://office/word/edit?&lt;ui=UI_LLCC&amp;&gt;&lt;rs=DC_LLCC&amp;&gt;&lt;dchat=DISABLE_CHAT&amp;&gt;"/></app>
 </net-zone>
 <proof-key oldvalue="x" oldmodulus="%s" oldexponent="%s" value="x" modulus="%s" exponent="%s"/>
</wopi-discovery>`, mod, exp, mod, exp)
	d, err := ParseDiscovery(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d.Extensions() != 2 {
		t.Errorf("%d extensions, want odt and docx (the MIME-type apps have no extension)", d.Extensions())
	}
	if a, ok := d.Action("ODT", ActionView, ActionEdit); !ok || a.Name != ActionView || a.App != "writer" || a.URLSrc != "https://office/view.html?" {
		t.Errorf("view of odt: %+v %v", a, ok)
	}
	a, ok := d.Action("docx", ActionEditNew, ActionEdit)
	if !ok || a.Name != ActionEditNew {
		t.Fatalf("editnew of docx: %+v %v", a, ok)
	}
	if got, want := FillURLSrc(a.URLSrc, "https://cartable/wopi/files/1"), "https://office/word/edit?ui=fr-FR&rs=fr-FR&WOPISrc=https%3A%2F%2Fcartable%2Fwopi%2Ffiles%2F1&lang=fr"; got != want {
		t.Errorf("filled urlsrc\n got %s\nwant %s", got, want)
	}
	if got := FillURLSrc("https://office/cool.html?", "s"); got != "https://office/cool.html?WOPISrc=s&lang=fr" {
		t.Errorf("Collabora's urlsrc filled as %s", got)
	}
	if _, ok := d.Action("pdf", ActionView); ok {
		t.Error("an action for pdf")
	}
	if d.Keys.Current == nil || d.Keys.Old == nil || d.Keys.Current.N.Cmp(key.N) != 0 || d.Keys.Current.E != key.E {
		t.Errorf("proof keys %+v", d.Keys)
	}
	for _, bad := range []string{"", "<wopi-discovery/>", "<wopi-discovery><net-zone><app name='a'><action name='edit' ext='odt' urlsrc='u'/></app></net-zone><proof-key modulus='AQAB' exponent='AQAB'/></wopi-discovery>"} {
		if _, err := ParseDiscovery(strings.NewReader(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestUTF7(t *testing.T) {
	for _, c := range []struct{ utf7, text string }{
		{"Hi Mom -+Jjo--!", "Hi Mom -☺-!"},
		{"+ZeVnLIqe-", "日本語"},
		{"A+ImIDkQ.", "A≢Α."},
		{"Expos+AOk-.odt", "Exposé.odt"},
		{"1 +- 1", "1 + 1"},
		{"plain.docx", "plain.docx"},
	} {
		got, err := DecodeUTF7(c.utf7)
		if err != nil || got != c.text {
			t.Errorf("DecodeUTF7(%q) = %q, %v; want %q", c.utf7, got, err, c.text)
		}
	}
	for _, text := range []string{"Exposé sur les volcans d'Auvergne — 6e A.odt", "日本語 + émoji 🌋.pptx", "a+b", ""} {
		back, err := DecodeUTF7(EncodeUTF7(text))
		if err != nil || back != text {
			t.Errorf("round trip of %q: %q via %q, %v", text, back, EncodeUTF7(text), err)
		}
		for _, r := range EncodeUTF7(text) {
			if r >= 0x80 {
				t.Errorf("EncodeUTF7(%q) is not ASCII", text)
			}
		}
	}
	if _, err := DecodeUTF7("é"); err == nil {
		t.Error("8-bit text decoded as UTF-7")
	}
}

func TestProofBytes(t *testing.T) {
	b := ProofBytes("tok", "https://cartable/wopi/files/1?access_token=tok", 42)
	url := "HTTPS://CARTABLE/WOPI/FILES/1?ACCESS_TOKEN=TOK"
	want := binary.BigEndian.AppendUint32(nil, 3)
	want = append(want, "tok"...)
	want = binary.BigEndian.AppendUint32(want, uint32(len(url)))
	want = append(want, url...)
	want = binary.BigEndian.AppendUint32(want, 8)
	want = binary.BigEndian.AppendUint64(want, 42)
	if string(b) != string(want) {
		t.Errorf("proof bytes\n got %x\nwant %x", b, want)
	}
	now := time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)
	if !TicksTime(Ticks(now)).Equal(now) || Ticks(time.Unix(0, 0)) != unixEpochTicks {
		t.Error("ticks do not round-trip")
	}
	if !Fresh(Ticks(now.Add(-19*time.Minute)), now) || Fresh(Ticks(now.Add(-21*time.Minute)), now) || Fresh(Ticks(now.Add(21*time.Minute)), now) {
		t.Error("the 20-minute window")
	}
}

func TestProofKeysVerify(t *testing.T) {
	current, _ := rsa.GenerateKey(rand.Reader, 1024)
	old, _ := rsa.GenerateKey(rand.Reader, 1024)
	other, _ := rsa.GenerateKey(rand.Reader, 1024)
	sign := func(k *rsa.PrivateKey, p Proof) string {
		sum := sha256.Sum256(ProofBytes(p.AccessToken, p.URL, p.Ticks))
		sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
		return base64.StdEncoding.EncodeToString(sig)
	}
	keys := ProofKeys{Current: &current.PublicKey, Old: &old.PublicKey}
	p := Proof{AccessToken: "t", URL: "https://c/wopi/files/1?access_token=t", Ticks: 1}
	for name, c := range map[string]struct {
		proof, proofOld *rsa.PrivateKey
		ok              bool
	}{
		"current key":                {current, old, true},
		"old proof with current key": {other, current, true},
		"proof with the old key":     {old, nil, true},
		"old proof with the old key": {other, old, false},
		"another key":                {other, other, false},
	} {
		q := p
		q.Proof = sign(c.proof, p)
		if c.proofOld != nil {
			q.ProofOld = sign(c.proofOld, p)
		}
		if got := keys.Verify(q); got != c.ok {
			t.Errorf("%s: Verify = %v", name, got)
		}
	}
	q := p
	q.Proof = sign(current, p)
	q.URL += "&x"
	if keys.Verify(q) {
		t.Error("a proof verified for another URL")
	}
}

func TestTokens(t *testing.T) {
	secret := strings.Repeat("s", 32)
	now := time.Date(2026, 9, 3, 8, 0, 0, 0, time.UTC)
	tokens, err := NewTokens(time.Hour, secret)
	if err != nil {
		t.Fatal(err)
	}
	tokens = tokens.WithClock(func() time.Time { return now })
	item := uuid.New()
	tok, exp := tokens.Sign("eleve.6a.01", item, ModeEdit)
	if !exp.Equal(now.Add(time.Hour)) {
		t.Errorf("expires %s", exp)
	}
	c, err := tokens.Verify(tok, item)
	if err != nil || c.UserID != "eleve.6a.01" || c.Mode != ModeEdit || c.ItemID != item {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	view, _ := tokens.Sign("eleve.6a.01", item, ModeView)
	if c, _ := tokens.Verify(view, item); c.Mode != ModeView {
		t.Error("a view token verified as", c.Mode)
	}
	later := tokens.WithClock(func() time.Time { return now.Add(time.Hour) })
	rotated, _ := NewTokens(time.Hour, strings.Repeat("n", 32), secret)
	other, _ := NewTokens(time.Hour, strings.Repeat("o", 32))
	upgraded := strings.Replace(view, ".v.", ".e.", 1)
	for name, check := range map[string]func() error{
		"another file":   func() error { _, err := tokens.Verify(tok, uuid.New()); return err },
		"expired":        func() error { _, err := later.Verify(tok, item); return err },
		"another secret": func() error { _, err := other.WithClock(func() time.Time { return now }).Verify(tok, item); return err },
		"view made edit": func() error { _, err := tokens.Verify(upgraded, item); return err },
		"truncated":      func() error { _, err := tokens.Verify(tok[:len(tok)-1], item); return err },
		"empty":          func() error { _, err := tokens.Verify("", item); return err },
		"a presign token": func() error {
			_, err := tokens.Verify("1796262905.ucHJvZi5tYXJ0aW4.VoiUpiyR1_OY4I750YxaNA", item)
			return err
		},
	} {
		if err := check(); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := rotated.WithClock(func() time.Time { return now }).Verify(tok, item); err != nil {
		t.Errorf("a token of the previous secret: %v", err)
	}
	if _, err := NewTokens(time.Minute, secret); err == nil {
		t.Error("a TTL of a minute")
	}
	if _, err := NewTokens(time.Hour, "short"); err == nil {
		t.Error("a short secret")
	}
}

func TestSuggestedName(t *testing.T) {
	for _, c := range []struct{ suggested, current, want string }{
		{".pdf", "Exposé.odt", "Exposé.pdf"},
		{"Copie de Exposé.odt", "Exposé.odt", "Copie de Exposé.odt"},
		{"a/b\\c.odt", "x.odt", "a_b_c.odt"},
		{" ", "x.odt", "Document"},
		{"CON.odt", "x.odt", "Document.odt"},
	} {
		if got := suggestedName(c.suggested, c.current); got != c.want {
			t.Errorf("suggestedName(%q, %q) = %q, want %q", c.suggested, c.current, got, c.want)
		}
	}
}
