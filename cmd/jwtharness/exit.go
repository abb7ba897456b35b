package main

// Exit codes shared by every subcommand.
const (
	ExitOK         = 0 // conformant / thresholds met / command done
	ExitGateFailed = 1 // a conformance gate or a load threshold failed
	ExitUsage      = 2 // bad invocation or configuration
	ExitIncomplete = 3 // the run could not complete (endpoint unreachable, I/O error)
)

// exitError carries an exit code out of a cobra RunE. err may be nil when
// the command already printed everything the user needs.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return "exit status"
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr, gateErr and incompleteErr wrap err with the matching exit code.
func usageErr(err error) error      { return &exitError{code: ExitUsage, err: err} }
func gateErr(err error) error       { return &exitError{code: ExitGateFailed, err: err} }
func incompleteErr(err error) error { return &exitError{code: ExitIncomplete, err: err} }
