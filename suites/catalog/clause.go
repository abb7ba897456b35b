package catalog

import (
	"fmt"
	"strings"
)

// Clause is the normative text a case checks: a document, a section, an
// optional numbered item inside the section, and the sentence quoted from it.
type Clause struct {
	Doc     string // "RFC7523", "RFC6749", "RFC8725", "OIDC-Core", "RFC7523bis"; "policy" (Section: the target-file key), "harness"
	Section string // "3", "5.2", "3.1"; the target-file key for "policy"
	Item    int    // numbered list item inside the section (RFC 7523 §3 items 1-10); 0 if none
	Quote   string // the sentence that makes the rule, quoted exactly (or the vendor requirement)
}

// ID is the short reference used in reports and labels, in the style of the
// OpenID conformance suite: "RFC7523-3", "RFC6749-5.2", "OIDC-Core-9",
// "vendor". The item is not part of the ID (section anchors are the finest
// links the RFC editor publishes); Text adds it for people.
func (c Clause) ID() string {
	if c.Doc == "" {
		return ""
	}
	if c.Section == "" {
		return c.Doc
	}
	return c.Doc + "-" + c.Section
}

// Text is the human form: "RFC 7523 §3 item 3".
func (c Clause) Text() string {
	doc := c.Doc
	if strings.HasPrefix(doc, "RFC") && !strings.HasPrefix(doc, "RFC ") {
		doc = "RFC " + strings.TrimPrefix(doc, "RFC")
	}
	if c.Section == "" {
		return doc
	}
	s := doc + " §" + c.Section
	if c.Item > 0 {
		s += fmt.Sprintf(" item %d", c.Item)
	}
	return s
}

// Linked reports whether the clause is published text with a URL: not a
// declared policy ("policy"), a harness rule ("harness") or a vendor text.
func (c Clause) Linked() bool {
	switch c.Doc {
	case "policy", "harness", "vendor":
		return false
	}
	return true
}

// clauseLinks maps a document to the URL its section anchors hang off.
var clauseLinks = map[string]string{
	"RFC5280":    "https://www.rfc-editor.org/rfc/rfc5280#section-",
	"RFC6749":    "https://www.rfc-editor.org/rfc/rfc6749#section-",
	"RFC7515":    "https://www.rfc-editor.org/rfc/rfc7515#section-",
	"RFC7518":    "https://www.rfc-editor.org/rfc/rfc7518#section-",
	"RFC7519":    "https://www.rfc-editor.org/rfc/rfc7519#section-",
	"RFC7521":    "https://www.rfc-editor.org/rfc/rfc7521#section-",
	"RFC7523":    "https://www.rfc-editor.org/rfc/rfc7523#section-",
	"RFC8037":    "https://www.rfc-editor.org/rfc/rfc8037#section-",
	"RFC8725":    "https://www.rfc-editor.org/rfc/rfc8725#section-",
	"RFC9110":    "https://www.rfc-editor.org/rfc/rfc9110#section-",
	"RFC4648":    "https://www.rfc-editor.org/rfc/rfc4648#section-",
	"RFC7523bis": "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis#section-",
	"OIDC-Core":  "https://openid.net/specs/openid-connect-core-1_0.html#",
}

// oidcAnchors names the OpenID Connect Core anchors by section number.
var oidcAnchors = map[string]string{
	"9": "ClientAuthentication",
}

// URL links the clause's section, or "" for vendor requirements.
func (c Clause) URL() string {
	base, ok := clauseLinks[c.Doc]
	if !ok || c.Section == "" {
		return ""
	}
	if c.Doc == "OIDC-Core" {
		if a, ok := oidcAnchors[c.Section]; ok {
			return base + a
		}
		return strings.TrimSuffix(base, "#")
	}
	sec := c.Section
	if strings.HasPrefix(sec, "A") || strings.HasPrefix(sec, "B") { // appendices
		sec = "appendix-" + sec
		return strings.TrimSuffix(base, "section-") + sec
	}
	return base + sec
}
