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

// step is one named step of a pipeline; F is the pipeline's step function.
type step[F any] struct {
	name string
	run  F
}

// onAssertion registers flaw f as an override of the assertion step named step.
func onAssertion(f Flaw, step string, wrap func(next assertionStep) assertionStep) {
	mustStep(f, step, assertionPipeline)
	overrides[f] = append(overrides[f], override{step: step, assertion: wrap})
}

// onRequest registers flaw f as an override of the request step named step.
func onRequest(f Flaw, step string, wrap func(next requestStep) requestStep) {
	mustStep(f, step, requestPipeline)
	overrides[f] = append(overrides[f], override{step: step, request: wrap})
}

// onResponse registers flaw f as an override of the response step named step.
func onResponse(f Flaw, step string, wrap func(next responseStep) responseStep) {
	mustStep(f, step, responsePipeline)
	overrides[f] = append(overrides[f], override{step: step, response: wrap})
}

// mustStep panics at start-up (every test run) when a flaw names a step the
// pipeline does not have: a programming error, not an input error.
func mustStep[F any](f Flaw, name string, pipeline []step[F]) {
	var names []string
	for _, st := range pipeline {
		if st.name == name {
			return
		}
		names = append(names, st.name)
	}
	panic(fmt.Sprintf("reference: flaw %s overrides unknown step %q (steps: %v)", f, name, names))
}

// compose returns the pipeline's step functions with the overrides of fs
// applied (wrap picks a pipeline's override out of an override; nil: none),
// in a fixed order of flaws whatever the order fs lists them in.
func compose[F any](pipeline []step[F], fs []Flaw, wrap func(override) func(F) F) []F {
	sorted := append([]Flaw(nil), fs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	sorted = slices.Compact(sorted)
	out := make([]F, len(pipeline))
	for i, st := range pipeline {
		run := st.run
		for _, f := range sorted {
			for _, o := range overrides[f] {
				if w := wrap(o); w != nil && o.step == st.name {
					run = w(run)
				}
			}
		}
		out[i] = run
	}
	return out
}

func assertionSteps(fs []Flaw) []assertionStep {
	return compose(assertionPipeline, fs, func(o override) func(assertionStep) assertionStep { return o.assertion })
}

func requestSteps(fs []Flaw) []requestStep {
	return compose(requestPipeline, fs, func(o override) func(requestStep) requestStep { return o.request })
}

func responseSteps(fs []Flaw) []responseStep {
	return compose(responsePipeline, fs, func(o override) func(responseStep) responseStep { return o.response })
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
