package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"time"
)

// SchemaVersion is the run file format version; merge and report refuse
// other versions.
//
// Schema 2: an answer counts as issued only when it carries a token
// (schema 1 counted every 2xx); new counters not_token, unparseable,
// truncated, oversize; the summary's invalid reasons.
const SchemaVersion = 2

// Machine describes the host that generated (part of) a run.
type Machine struct {
	RunID      string    `json:"run_id"`
	Host       string    `json:"host"`
	OS         string    `json:"os"`
	Arch       string    `json:"arch"`
	CPUs       int       `json:"cpus"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	GoVersion  string    `json:"go_version"`
	Start      time.Time `json:"start"`
	// Shard is this machine's part of a split plan (nil: not split).
	Shard *ShardInfo `json:"shard,omitempty"`
	// Result is this machine's own figures, set when runs are merged.
	Result *MachineResult `json:"result,omitempty"`
}

// ThisMachine describes the current host.
func ThisMachine(runID string, start time.Time) Machine {
	h, _ := os.Hostname()
	return Machine{RunID: runID, Host: h, OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(), Start: start}
}

// Header is a run file's first line.
type Header struct {
	Type        string            `json:"type"` // "header"
	Schema      int               `json:"schema"`
	RunID       string            `json:"run_id"`
	Tool        string            `json:"tool"`
	ToolVersion string            `json:"tool_version"`
	Machines    []Machine         `json:"machines"`
	Plan        Plan              `json:"plan"`
	Histogram   HistogramSettings `json:"histogram"`
	Interval    Duration          `json:"interval"`
	Start       time.Time         `json:"start"` // wall clock of the first measured interval
	Clock       string            `json:"clock"` // how intervals align across machines
	Ceiling     *Ceiling          `json:"ceiling,omitempty"`
	Classes     []string          `json:"classes"`
	Notes       []string          `json:"notes,omitempty"`
}

// NewHeader fills the fixed fields.
func NewHeader(runID, toolVersion string, plan Plan, start time.Time) Header {
	classes := make([]string, len(plan.Mix))
	for i, e := range plan.Mix {
		classes[i] = e.Name
	}
	return Header{Type: "header", Schema: SchemaVersion, RunID: runID, Tool: "jwtharness", ToolVersion: toolVersion,
		Machines: []Machine{ThisMachine(runID, start)}, Plan: plan, Histogram: DefaultHistogramSettings,
		Interval: plan.Interval, Start: start, Clock: "intervals aligned to wall-clock multiples of the interval (UTC); clocks of merged machines assumed NTP-synced",
		Classes: classes}
}

// Run is a parsed run file.
type Run struct {
	Header    Header
	Intervals []IntervalRecord
	Summary   *Summary
}

// Writer writes a run file line by line.
type Writer struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewWriter wraps w.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	e := json.NewEncoder(bw)
	e.SetEscapeHTML(false)
	return &Writer{w: bw, enc: e}
}

// WriteHeader writes the header line.
func (w *Writer) WriteHeader(h *Header) error { return w.line(h) }

// WriteIntervals writes interval lines.
func (w *Writer) WriteIntervals(recs []IntervalRecord) error {
	for i := range recs {
		if err := w.enc.Encode(&recs[i]); err != nil {
			return err
		}
	}
	return w.w.Flush()
}

// WriteSummary writes the summary line.
func (w *Writer) WriteSummary(s *Summary) error { return w.line(s) }

func (w *Writer) line(v any) error {
	if err := w.enc.Encode(v); err != nil {
		return err
	}
	return w.w.Flush()
}

// Run file bounds: a run file is one line per class and interval, a few
// KiB each; these caps refuse what no run writes before it fills memory.
const (
	MaxRunFileBytes = 256 << 20
	MaxRunLineBytes = 16 << 20
)

// ErrIncomplete marks a run file without a summary line: the run did not
// finish writing it. ReadRun returns the run read so far with it.
var ErrIncomplete = errors.New("the run file has no summary line: the run did not finish writing it")

// CorruptError is a run file that cannot be read as one: not JSON, an
// unknown record, a histogram that does not decode, too large.
type CorruptError struct{ Reason string }

func (e *CorruptError) Error() string { return e.Reason }

func corrupt(format string, a ...any) error { return &CorruptError{Reason: fmt.Sprintf(format, a...)} }

// ReadRun parses a run file. It checks the schema version and decodes
// every histogram, so a corrupt file is refused here (*CorruptError), not
// half-rendered later. A file without a summary line is returned with
// ErrIncomplete.
func ReadRun(r io.Reader) (*Run, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxRunFileBytes+1))
	sc.Buffer(make([]byte, 0, 1<<20), MaxRunLineBytes)
	run := &Run{}
	line := 0
	var read int64
	for sc.Scan() {
		line++
		b := sc.Bytes()
		read += int64(len(b)) + 1
		if read > MaxRunFileBytes {
			return nil, corrupt("larger than %d MiB: not a run file this tool wrote", MaxRunFileBytes>>20)
		}
		if len(b) == 0 {
			continue
		}
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &kind); err != nil {
			return nil, corrupt("line %d: not JSON: %v", line, err)
		}
		switch kind.Type {
		case "header":
			if line != 1 {
				return nil, corrupt("line %d: a header after line 1", line)
			}
			if err := json.Unmarshal(b, &run.Header); err != nil {
				return nil, corrupt("line %d: header: %v", line, err)
			}
			if run.Header.Schema != SchemaVersion {
				return nil, corrupt("run file schema %d; this jwtharness reads schema %d", run.Header.Schema, SchemaVersion)
			}
		case "interval":
			if line == 1 {
				return nil, corrupt("not a jwtharness run file: line 1 is not a header")
			}
			var iv IntervalRecord
			if err := json.Unmarshal(b, &iv); err != nil {
				return nil, corrupt("line %d: interval: %v", line, err)
			}
			for _, h := range []string{iv.Response, iv.Service} {
				if _, err := DecodeHistogram(h); err != nil {
					return nil, corrupt("line %d: interval %s %s: histogram does not decode: %v", line, iv.Start.Format(time.RFC3339), iv.Class, err)
				}
			}
			run.Intervals = append(run.Intervals, iv)
		case "summary":
			if line == 1 {
				return nil, corrupt("not a jwtharness run file: line 1 is not a header")
			}
			var s Summary
			if err := json.Unmarshal(b, &s); err != nil {
				return nil, corrupt("line %d: summary: %v", line, err)
			}
			for _, cs := range append(append([]ClassSummary(nil), s.Classes...), s.All) {
				for _, h := range []string{cs.ResponseH, cs.ServiceH} {
					if _, err := DecodeHistogram(h); err != nil {
						return nil, corrupt("line %d: summary of class %s: histogram does not decode: %v", line, cs.Class, err)
					}
				}
			}
			run.Summary = &s
		default:
			return nil, corrupt("line %d: unknown record type %q", line, kind.Type)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, corrupt("line %d: longer than %d MiB: not a run file this tool wrote", line+1, MaxRunLineBytes>>20)
		}
		return nil, err
	}
	if run.Header.Type != "header" {
		return nil, corrupt("not a jwtharness run file: line 1 is not a header")
	}
	if run.Summary == nil {
		return run, ErrIncomplete
	}
	return run, nil
}

// ReadRunFile reads a run file by path. It refuses anything but a regular
// file of at most MaxRunFileBytes (a FIFO, a device such as /dev/zero or a
// directory is an error, never a hang). Errors name the path; a run
// without a summary is returned with an error wrapping ErrIncomplete.
func ReadRunFile(path string) (*Run, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%s)", path, fileKind(st.Mode()))
	}
	if st.Size() > MaxRunFileBytes {
		return nil, fmt.Errorf("%s: %w", path, corrupt("%d bytes, larger than %d MiB: not a run file this tool wrote", st.Size(), MaxRunFileBytes>>20))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := ReadRun(f)
	if err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// sortIntervals orders by start then class.
func sortIntervals(iv []IntervalRecord) {
	sort.SliceStable(iv, func(i, j int) bool {
		if !iv[i].Start.Equal(iv[j].Start) {
			return iv[i].Start.Before(iv[j].Start)
		}
		return iv[i].Class < iv[j].Class
	})
}

// fileKind names what a non-regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a plain file"
}
