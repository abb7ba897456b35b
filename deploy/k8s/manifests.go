package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Labels every generated object carries; InstanceLabel selects one plan's
// pods (spreading, kubectl).
const (
	NameLabel     = "app.kubernetes.io/name"
	InstanceLabel = "app.kubernetes.io/instance"
	PartLabel     = "app.kubernetes.io/component"
	// CompletionIndexLabel is set by the Job controller on every pod of an
	// Indexed Job (Kubernetes 1.28+).
	CompletionIndexLabel = "batch.kubernetes.io/job-completion-index"
	// JobNameLabel is set by the Job controller on every pod of a Job.
	JobNameLabel = "batch.kubernetes.io/job-name"
)

// RunFile is the run file of shard index (a literal or $(JOB_COMPLETION_INDEX)).
func RunFile(index string) string { return ResultsDir + "/shard-" + index + ".ndjson" }

// LoadCommand is the `jwtharness load` command line every shard runs; the
// shard index is the Job's completion index, expanded by the kubelet.
func (p *Plan) LoadCommand() []string {
	a := []string{"load", "--target", TargetDir + "/" + p.TargetFile}
	if p.Flow != "" {
		a = append(a, "--flow", p.Flow)
	}
	if p.Alg != "" {
		a = append(a, "--alg", p.Alg)
	}
	if p.Rate > 0 {
		a = append(a, "--rate", strconv.FormatFloat(p.Rate, 'f', -1, 64))
	} else {
		a = append(a, "--concurrency", strconv.Itoa(p.Concurrency))
	}
	a = append(a, "--duration", p.Duration.String())
	if p.Warmup > 0 {
		a = append(a, "--warmup", p.Warmup.String())
	}
	if p.Mix != "" {
		a = append(a, "--mix", p.Mix)
	}
	if p.MaxInflight > 0 {
		a = append(a, "--max-inflight", strconv.Itoa(p.MaxInflight))
	}
	a = append(a, p.LoadArgs...)
	return append(a,
		"--shard", fmt.Sprintf("$(JOB_COMPLETION_INDEX)/%d", p.Shards),
		"--start-at", p.StartAt.UTC().Format(time.RFC3339),
		"--out", RunFile("$(JOB_COMPLETION_INDEX)"),
		"--quiet")
}

// ContainerArgs is the container's full argument list: the shard wrapper
// (`jwtharness k8s shard`, which runs load, marks the pod Ready when load
// has exited and keeps the run file available for Hold) around LoadCommand.
func (p *Plan) ContainerArgs() []string {
	a := []string{"k8s", "shard", "--results", ResultsDir, "--hold", p.hold().String(), "--"}
	return append(a, p.LoadCommand()...)
}

func (p *Plan) hold() time.Duration { return p.Hold }

// Deadline bounds the whole Job: the lead before StartAt, warm-up,
// duration, the hold and 15 minutes for pulls, pre-minting and draining.
func (p *Plan) Deadline() time.Duration {
	lead := p.StartAt.Sub(p.Now)
	if lead < 0 || p.Now.IsZero() {
		lead = 0
	}
	return (lead + p.Warmup + p.Duration + p.hold() + 15*time.Minute).Round(time.Second)
}

func (p *Plan) labels() map[string]string {
	return map[string]string{NameLabel: "jwtharness", InstanceLabel: p.Name, PartLabel: "load"}
}

// Job builds the Indexed Job.
func (p *Plan) Job() (*batchv1.Job, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	s := p.Size()
	n := int32(p.Shards)
	indexed := batchv1.IndexedCompletion
	deadline := int64(p.Deadline() / time.Second)
	grace := int64(30)
	yes, no := true, false
	uid := int64(RunAsUser)
	mode := int32(0o440)
	resultsLimit := resource.MustParse("256Mi")
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.labels()},
		Spec: batchv1.JobSpec{
			CompletionMode:        &indexed,
			Completions:           &n,
			Parallelism:           &n,
			BackoffLimit:          ptr(int32(0)), // a re-run shard would start late with a new pool: fail instead
			ActiveDeadlineSeconds: &deadline,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: p.labels()},
				Spec: corev1.PodSpec{
					RestartPolicy:                 corev1.RestartPolicyNever,
					TerminationGracePeriodSeconds: &grace,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &uid,
						RunAsGroup:     &uid,
						FSGroup:        &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					// One shard per node when the cluster has the nodes:
					// shards on one node would share its minting cores.
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew:           1,
						TopologyKey:       "kubernetes.io/hostname",
						WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector:     &metav1.LabelSelector{MatchLabels: map[string]string{InstanceLabel: p.Name}},
					}},
					Containers: []corev1.Container{{
						Name:            ContainerName,
						Image:           p.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            p.ContainerArgs(),
						Env: []corev1.EnvVar{{
							// Go sizes its scheduler (and the pool's minting
							// workers) to the cores requested, rounded up.
							Name: "GOMAXPROCS",
							ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{
								ContainerName: ContainerName, Resource: "requests.cpu", Divisor: resource.MustParse("1"),
							}},
						}},
						Resources: corev1.ResourceRequirements{
							// No CPU limit: CFS throttling would show up as
							// latency. Memory limit = request.
							Requests: corev1.ResourceList{corev1.ResourceCPU: s.CPU, corev1.ResourceMemory: s.Memory},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: s.Memory},
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "target", MountPath: TargetDir, ReadOnly: true},
							{Name: "results", MountPath: ResultsDir},
						},
						// Ready = load has exited and the run file is final.
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{Binary, "k8s", "ready", "--results", ResultsDir}}},
							PeriodSeconds: 5,
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &no,
							ReadOnlyRootFilesystem:   &yes,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "target", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: p.SecretName, DefaultMode: &mode}}},
						{Name: "results", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &resultsLimit}}},
					},
				},
			},
		},
	}, nil
}

// Secret builds the Secret holding files (name → content).
func (p *Plan) Secret(files map[string][]byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: p.SecretName, Namespace: p.Namespace, Labels: p.labels()},
		Type:       corev1.SecretTypeOpaque,
		Data:       files,
	}
}

// Marshal renders objects as one YAML stream, without the empty status
// and null creationTimestamp the API types marshal.
func Marshal(objs ...any) ([]byte, error) {
	var out bytes.Buffer
	for i, o := range objs {
		j, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("k8s: marshal: %w", err)
		}
		var m map[string]any
		if err := json.Unmarshal(j, &m); err != nil {
			return nil, fmt.Errorf("k8s: marshal: %w", err)
		}
		clean(m)
		y, err := yaml.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("k8s: marshal: %w", err)
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(y)
	}
	return out.Bytes(), nil
}

// clean drops null creationTimestamps and empty status objects, recursively.
func clean(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			if k == "creationTimestamp" {
				delete(m, k)
			}
		case map[string]any:
			if k == "status" && len(v) == 0 {
				delete(m, k)
				continue
			}
			clean(v)
			if k == "metadata" && len(v) == 0 {
				delete(m, k)
			}
		case []any:
			for _, e := range v {
				if em, ok := e.(map[string]any); ok {
					clean(em)
				}
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
