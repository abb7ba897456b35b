package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reference/registry"
)

type serveFlags struct {
	registry    string
	addr        string
	issuer      string
	audience    string
	profile     string
	maxLifetime time.Duration
	leeway      time.Duration
	tokenLife   time.Duration
	tlsCert     string
	tlsKey      string
	flaws       []string
	listFlaws   bool
	writeTarget string
	logLevel    string
}

func newServeCmd() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [--registry registry.yaml] [--addr 127.0.0.1:8443] [--inject-flaw NAME]...",
		Short: "Run the spec-exact reference token server (optionally with one injected flaw)",
		Long: `serve runs the reference OAuth 2.0 token endpoint: POST /token takes the RFC 7523
JWT bearer grant (§2.1) and JWT client authentication (§2.2, private_key_jwt and
client_secret_jwt with grant_type=client_credentials), and
GET /.well-known/oauth-authorization-server answers RFC 8414 metadata.

Clients come from --registry (see docs/DESIGN.md). Without --registry, serve
generates a fixture set (keys, certificates, secrets, registry.yaml, target.yaml
aimed at this server) into --write-target DIR, or into a temporary directory
removed at exit, and prints the target file's path so that
"jwtharness token --target DIR/target.yaml --flow private_key_jwt" works at once.

--inject-flaw starts a deliberately broken server (repeatable; see --list-flaws).
SIGINT or SIGTERM shuts down gracefully. Logs never contain tokens or secrets.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.registry, "registry", "", "client registry file (default: generate a fixture set)")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8443", "listen address host:port")
	fl.StringVar(&f.issuer, "issuer", "", "issuer identifier, accepted as aud (default: the server's base URL)")
	fl.StringVar(&f.audience, "audience", "", "accepted aud for the token endpoint (default: the token endpoint URL)")
	fl.StringVar(&f.profile, "profile", string(target.ProfileRFC7523), "rfc7523 or rfc7523bis (client assertion aud = issuer only)")
	fl.DurationVar(&f.maxLifetime, "max-lifetime", reference.DefaultMaxLifetime, "largest exp - now accepted (plus leeway)")
	fl.DurationVar(&f.leeway, "leeway", reference.DefaultLeeway, "clock skew allowed on exp, nbf, iat (0 = none)")
	fl.DurationVar(&f.tokenLife, "token-lifetime", reference.DefaultTokenLifetime, "expires_in of issued access tokens")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (needs --tls-key)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM private key for --tls-cert")
	fl.StringArrayVar(&f.flaws, "inject-flaw", nil, "inject a deliberate flaw by name (repeatable; see --list-flaws)")
	fl.BoolVar(&f.listFlaws, "list-flaws", false, "list the injectable flaws and exit")
	fl.StringVar(&f.writeTarget, "write-target", "", "without --registry: directory (or DIR/target.yaml) to write the generated fixture set to")
	fl.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	return cmd
}

func runServe(cmd *cobra.Command, f *serveFlags) error {
	out := cmd.OutOrStdout()
	if f.listFlaws {
		return printFlaws(out)
	}
	var flaws []reference.Flaw
	for _, n := range f.flaws {
		if _, ok := reference.LookupFlaw(n); !ok {
			return usageErr(fmt.Errorf("serve: unknown flaw %q (jwtharness serve --list-flaws lists them)", n))
		}
		flaws = append(flaws, reference.Flaw(n))
	}
	if err := validateServeFlags(f); err != nil {
		return usageErr(err)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usageErr(errors.New("serve: --tls-cert and --tls-key go together"))
	}
	if f.registry != "" && f.writeTarget != "" {
		return usageErr(errors.New("serve: --write-target only applies without --registry"))
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return usageErr(fmt.Errorf("serve: --log-level: %w", err))
	}
	logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))

	var tlsConf *tls.Config
	if f.tlsCert != "" {
		pair, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return usageErr(fmt.Errorf("serve: TLS key pair: %w", err))
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	}
	var reg *registry.Registry
	if f.registry != "" {
		r, err := registry.Load(f.registry)
		if err != nil {
			return usageErr(fmt.Errorf("serve: %w", err))
		}
		reg = r
	}

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return usageErr(fmt.Errorf("serve: --addr %q: %w", f.addr, err))
	}
	defer ln.Close()
	base := baseURL(ln.Addr(), f.addr, tlsConf != nil)
	tokenURL := base + reference.TokenPath
	audience, issuer := f.audience, f.issuer
	if audience == "" {
		audience = tokenURL
	}
	if issuer == "" {
		issuer = base
	}

	if reg == nil {
		r, cleanup, err := generateFixtures(out, f, tokenURL, audience, issuer)
		if err != nil {
			return err
		}
		defer cleanup()
		reg = r
	}

	leeway := f.leeway
	if leeway == 0 {
		leeway = reference.NoLeeway
	}
	h, err := reference.NewHandler(reference.Options{
		Registry: reg, Issuer: issuer, Audience: audience, TokenEndpoint: tokenURL, Profile: target.Profile(f.profile),
		MaxLifetime: f.maxLifetime, Leeway: leeway, TokenLifetime: f.tokenLife,
		Flaws: flaws, Logger: logger,
	})
	if err != nil {
		return usageErr(fmt.Errorf("serve: %w", err))
	}

	if len(flaws) > 0 {
		banner(cmd.ErrOrStderr(), f.flaws)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, TLSConfig: tlsConf,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if tlsConf != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	fmt.Fprintf(out, "reference token server listening: token endpoint %s (aud %s, issuer %s, profile %s, %d clients)\n",
		tokenURL, audience, issuer, f.profile, len(reg.Clients()))
	logger.Info("serving", "token_endpoint", tokenURL, "flaws", strings.Join(f.flaws, ","))
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return incompleteErr(fmt.Errorf("serve: %w", err))
		}
		return nil
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		return incompleteErr(fmt.Errorf("serve: shutdown: %w", err))
	}
	return nil
}

// baseURL names the listener: the host given in --addr, or 127.0.0.1 when
// it listens on every interface.
func baseURL(a net.Addr, flagAddr string, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host, _, _ := net.SplitHostPort(flagAddr)
	_, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// generateFixtures writes an in-memory fixture set aimed at this server and
// loads its registry.
func generateFixtures(out io.Writer, f *serveFlags, tokenURL, audience, issuer string) (*registry.Registry, func(), error) {
	dir, targetPath := f.writeTarget, ""
	cleanup := func() {}
	switch {
	case dir == "":
		tmp, err := os.MkdirTemp("", "jwtharness-serve-")
		if err != nil {
			return nil, nil, incompleteErr(err)
		}
		dir = tmp
		cleanup = func() { _ = os.RemoveAll(tmp) }
	case strings.HasSuffix(dir, ".yaml") || strings.HasSuffix(dir, ".yml"):
		dir, targetPath = filepath.Dir(dir), dir
	}
	set, err := fixtureset.Generate(fixtureset.Options{TokenEndpoint: tokenURL, Issuer: issuer, Profile: target.Profile(f.profile)})
	if err != nil {
		cleanup()
		return nil, nil, usageErr(fmt.Errorf("serve: generate fixtures: %w", err))
	}
	set.DeclareLimits(f.maxLifetime, f.leeway)
	if audience != tokenURL {
		set.Target.Audience = audience
	}
	if f.tlsCert != "" {
		// Trust the serving certificate (usually self-signed for local use).
		ca, err := filepath.Abs(f.tlsCert)
		if err != nil {
			cleanup()
			return nil, nil, usageErr(fmt.Errorf("serve: --tls-cert: %w", err))
		}
		set.Target.TLS = &target.TLSFile{CAFile: ca}
	}
	if err := set.WriteTo(dir); err != nil {
		cleanup()
		return nil, nil, incompleteErr(fmt.Errorf("serve: write fixtures: %w", err))
	}
	if targetPath != "" && filepath.Clean(targetPath) != filepath.Clean(set.TargetPath) {
		data, err := set.Target.Marshal()
		if err == nil {
			err = os.WriteFile(targetPath, data, 0o644)
		}
		if err != nil {
			cleanup()
			return nil, nil, incompleteErr(fmt.Errorf("serve: write target: %w", err))
		}
		set.TargetPath = targetPath
	}
	reg, err := registry.Load(set.RegistryPath)
	if err != nil {
		cleanup()
		return nil, nil, incompleteErr(fmt.Errorf("serve: %w", err))
	}
	note := ""
	if f.writeTarget == "" {
		note = " (temporary: removed at exit; use --write-target DIR to keep it)"
	}
	fmt.Fprintf(out, "generated fixture set in %s%s\ntarget file: %s\n", dir, note, set.TargetPath)
	return reg, cleanup, nil
}

func banner(w io.Writer, flaws []string) {
	line := strings.Repeat("!", 78)
	fmt.Fprintln(w, line)
	fmt.Fprintln(w, "!!! FLAWED SERVER: this reference server deliberately violates the spec.")
	for _, n := range flaws {
		fi, _ := reference.LookupFlaw(n)
		fmt.Fprintf(w, "!!!   %s: %s (breaks %s)\n", fi.Name, fi.Effect, fi.Rule)
	}
	fmt.Fprintln(w, "!!! Never use it as a correct peer or in production.")
	fmt.Fprintln(w, line)
}

func printFlaws(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FLAW\tRULE\tEFFECT")
	for _, fi := range reference.Flaws() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", fi.Name, fi.Rule, fi.Effect)
	}
	return tw.Flush()
}
