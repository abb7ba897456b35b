package reference

import (
	"fmt"
	"slices"
	"sort"
)

// The flaw seam. The three pipelines (assertionPipeline in verify.go,
// requestPipeline in handler.go, responsePipeline in response.go) are the
// spec-exact server and know nothing of flaws. A flaw is registered in
// flaws.go beside its name as overrides of named steps: an override
// receives the correct step (next) and returns the step the flawed server
// runs instead, which may call next, call the correct step's helpers with a
// looser or stricter rule, or do something else entirely. A Verifier or
// handler built with Options.Flaws composes its step lists once, at start:
// the correct server runs the pipelines exactly as listed. Per-assertion
// state an override needs is derived from the pipeline's own state (alg,
// jws, header, claims), never kept in flaw-only fields.

// requestStep is one step of the token request pipeline.
type requestStep func(h *handler, t *treq) *OAuthError

// responseStep is one step of the response pipeline.
type responseStep func(h *handler, t *treq, r *response)

// override is one flaw's replacement of one named step of one pipeline.
type override struct {
	step      string
	assertion func(next assertionStep) assertionStep
	request   func(next requestStep) requestStep
	response  func(next responseStep) responseStep
}

// overrides holds every flaw's overrides, registered by flaws.go.
var overrides = map[Flaw][]override{}

// onAssertion registers flaw f as an override of the assertion step named step.
func onAssertion(f Flaw, step string, wrap func(next assertionStep) assertionStep) {
	mustStep(f, step, stepNames(assertionPipeline, func(s vstep) string { return s.name }))
	overrides[f] = append(overrides[f], override{step: step, assertion: wrap})
}

// onRequest registers flaw f as an override of the request step named step.
func onRequest(f Flaw, step string, wrap func(next requestStep) requestStep) {
	mustStep(f, step, stepNames(requestPipeline, func(s rstep) string { return s.name }))
	overrides[f] = append(overrides[f], override{step: step, request: wrap})
}

// onResponse registers flaw f as an override of the response step named step.
func onResponse(f Flaw, step string, wrap func(next responseStep) responseStep) {
	mustStep(f, step, stepNames(responsePipeline, func(s respStep) string { return s.name }))
	overrides[f] = append(overrides[f], override{step: step, response: wrap})
}

func stepNames[S any](steps []S, name func(S) string) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = name(s)
	}
	return out
}

// mustStep panics at start-up (every test run) when a flaw names a step the
// pipeline does not have: a programming error, not an input error.
func mustStep(f Flaw, step string, names []string) {
	if !slices.Contains(names, step) {
		panic(fmt.Sprintf("reference: flaw %s overrides unknown step %q (steps: %v)", f, step, names))
	}
}

// sortedFlaws returns fs in a fixed order, so that composition does not
// depend on the order the caller listed them in.
func sortedFlaws(fs []Flaw) []Flaw {
	out := append([]Flaw(nil), fs...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return slices.Compact(out)
}

// assertionSteps composes the assertion pipeline with the flaws' overrides.
func assertionSteps(fs []Flaw) []assertionStep {
	out := make([]assertionStep, len(assertionPipeline))
	for i, st := range assertionPipeline {
		run := st.run
		for _, f := range sortedFlaws(fs) {
			for _, o := range overrides[f] {
				if o.assertion != nil && o.step == st.name {
					run = o.assertion(run)
				}
			}
		}
		out[i] = run
	}
	return out
}

// requestSteps composes the request pipeline with the flaws' overrides.
func requestSteps(fs []Flaw) []requestStep {
	out := make([]requestStep, len(requestPipeline))
	for i, st := range requestPipeline {
		run := st.run
		for _, f := range sortedFlaws(fs) {
			for _, o := range overrides[f] {
				if o.request != nil && o.step == st.name {
					run = o.request(run)
				}
			}
		}
		out[i] = run
	}
	return out
}

// responseSteps composes the response pipeline with the flaws' overrides.
func responseSteps(fs []Flaw) []responseStep {
	out := make([]responseStep, len(responsePipeline))
	for i, st := range responsePipeline {
		run := st.run
		for _, f := range sortedFlaws(fs) {
			for _, o := range overrides[f] {
				if o.response != nil && o.step == st.name {
					run = o.response(run)
				}
			}
		}
		out[i] = run
	}
	return out
}

// seamOf lists the steps flaw f overrides, as "pipeline/step" (tests, docs).
func seamOf(f Flaw) []string {
	var out []string
	for _, o := range overrides[f] {
		switch {
		case o.assertion != nil:
			out = append(out, "assertion/"+o.step)
		case o.request != nil:
			out = append(out, "request/"+o.step)
		default:
			out = append(out, "response/"+o.step)
		}
	}
	return out
}
