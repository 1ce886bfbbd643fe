// cm-controller runs cert-manager's real controllers out of cluster, wired from cert-manager's
// public packages (the upstream controller main lives in a module the Go proxy cannot serve).
// It serves /healthz and /readyz (ready once every informer cache has synced) and cert-manager's
// /metrics on loopback listeners, and writes their addresses to --address-file so that callers
// can use kernel-chosen ports. Without --kubeconfig it runs in a pod: in-cluster config from the
// ServiceAccount token that the kubelet mounts, as cert-manager's own controller does.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"k8s.io/klog/v2"

	// Controllers register themselves in init().
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// Issuer kinds used by the reference CA issuer.
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// defaultControllers is what an external issuer needs, plus cert-manager's own CA and
// self-signed issuers, which tests and benchmarks use as the reference issuer.
var defaultControllers = []string{
	"certificates-trigger", "certificates-issuing", "certificates-key-manager",
	"certificates-request-manager", "certificates-readiness", "certificates-revision-manager",
	"certificaterequests-approver", "issuers", "clusterissuers",
	"certificaterequests-issuer-ca", "certificaterequests-issuer-selfsigned",
}

type options struct {
	kubeconfig       string
	controllers      string
	metricsAddress   string
	healthAddress    string
	addressFile      string
	clusterNamespace string
	workers          int
	qps              float64
	burst            int
	minBackoff       time.Duration
	maxBackoff       time.Duration
	leaderElect      bool
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", "",
		"path to the kubeconfig (default: in-cluster config, in a pod only)")
	flag.StringVar(&o.controllers, "controllers", strings.Join(defaultControllers, ","),
		"comma-separated controllers to run")
	flag.StringVar(&o.metricsAddress, "metrics-listen-address", "127.0.0.1:0", "metrics address")
	flag.StringVar(&o.healthAddress, "healthz-listen-address", "127.0.0.1:0", "health address")
	flag.StringVar(&o.addressFile, "address-file", "",
		"write the bound metrics and health addresses here as JSON")
	flag.StringVar(&o.clusterNamespace, "cluster-resource-namespace", "kube-system",
		"namespace of ClusterIssuer secrets")
	flag.IntVar(&o.workers, "concurrent-workers", 5, "workers per controller")
	flag.Float64Var(&o.qps, "kube-api-qps", 50, "client QPS")
	flag.IntVar(&o.burst, "kube-api-burst", 100, "client burst")
	flag.DurationVar(&o.minBackoff, "certificate-request-minimum-backoff-duration", time.Hour,
		"first retry delay after a failed CertificateRequest")
	flag.DurationVar(&o.maxBackoff, "certificate-request-maximum-backoff-duration", 32*time.Hour,
		"cap of the retry delay")
	flag.BoolVar(&o.leaderElect, "leader-elect", false,
		"leader election (not supported by this harness; must stay false)")
	klog.InitFlags(nil)
	flag.Parse()
	return o
}

func (o options) validate() error {
	// cert-manager falls back to rest.InClusterConfig when no kubeconfig is given; outside a pod
	// that fails only later, with a message about environment variables.
	if o.kubeconfig == "" && os.Getenv("KUBERNETES_SERVICE_HOST") == "" {
		return errors.New("--kubeconfig is required outside a pod (no KUBERNETES_SERVICE_HOST " +
			"for an in-cluster config): pass the path of a kubeconfig")
	}
	if o.leaderElect {
		return errors.New("--leader-elect=true is not supported: run a single cm-controller")
	}
	if o.minBackoff < 0 || o.maxBackoff < o.minBackoff {
		return fmt.Errorf("backoff durations must satisfy 0 <= minimum <= maximum, got %s and %s",
			o.minBackoff, o.maxBackoff)
	}
	known := controllerpkg.Known()
	for _, name := range o.enabled() {
		if _, ok := known[name]; !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("unknown controller %q; known: %s", name, strings.Join(names, ", "))
		}
	}
	return nil
}

func (o options) enabled() []string {
	var out []string
	for _, n := range strings.Split(o.controllers, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

func main() {
	o := parseFlags()
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "cm-controller:", err)
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "cm-controller:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	ctx = logf.NewContext(ctx, klog.Background(), "controller")

	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         o.kubeconfig,
		KubernetesAPIQPS:   float32(o.qps),
		KubernetesAPIBurst: o.burst,
		IssuerOptions:      controllerpkg.IssuerOptions{ClusterResourceNamespace: o.clusterNamespace},
		CertificateOptions: controllerpkg.CertificateOptions{
			CopiedAnnotationPrefixes: []string{
				"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/",
			},
			CertificateRequestMinimumBackoffDuration: o.minBackoff,
			CertificateRequestMaximumBackoffDuration: o.maxBackoff,
		},
	})
	if err != nil {
		return fmt.Errorf("building controller context: %w", err)
	}

	var ready atomic.Bool
	healthLn, err := net.Listen("tcp", o.healthAddress)
	if err != nil {
		return fmt.Errorf("listening for health on %s: %w", o.healthAddress, err)
	}
	metricsLn, err := net.Listen("tcp", o.metricsAddress)
	if err != nil {
		return fmt.Errorf("listening for metrics on %s: %w", o.metricsAddress, err)
	}
	if o.addressFile != "" {
		if err := writeAddresses(o.addressFile, metricsLn.Addr(), healthLn.Addr()); err != nil {
			return err
		}
	}
	go serveHealth(healthLn, &ready)

	base, err := factory.Build()
	if err != nil {
		return fmt.Errorf("building base context: %w", err)
	}
	var wg sync.WaitGroup
	enabled := o.enabled()
	for name, construct := range controllerpkg.Known() {
		if !slices.Contains(enabled, name) {
			continue
		}
		iface, err := construct(factory)
		if err != nil {
			return fmt.Errorf("constructing controller %s: %w", name, err)
		}
		wg.Add(1)
		go func(name string, iface controllerpkg.Interface) {
			defer wg.Done()
			if err := iface.Run(o.workers, ctx); err != nil {
				klog.ErrorS(err, "controller stopped with an error", "controller", name)
				cancel()
			}
		}(name, iface)
	}

	// Collectors are set up by the constructors, so the metrics server is created after them.
	metricsServer := base.Metrics.NewServer(metricsLn)
	go func() { _ = metricsServer.Serve(metricsLn) }()

	// Informers are registered by the constructors above; start them afterwards, as upstream does.
	stop := ctx.Done()
	base.SharedInformerFactory.Start(stop)
	base.KubeSharedInformerFactory.Start(stop)
	base.HTTP01ResourceMetadataInformersFactory.Start(stop)
	synced := true
	for t, ok := range base.SharedInformerFactory.WaitForCacheSync(stop) {
		synced = synced && ok
		klog.V(2).InfoS("cache synced", "type", t.String(), "ok", ok)
	}
	for t, ok := range base.KubeSharedInformerFactory.WaitForCacheSync(stop) {
		synced = synced && ok
		klog.V(2).InfoS("cache synced", "type", t, "ok", ok)
	}
	if synced && ctx.Err() == nil {
		ready.Store(true)
		klog.InfoS("cert-manager controllers ready", "controllers", strings.Join(enabled, ","))
	}

	wg.Wait()
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = metricsServer.Shutdown(shutdownCtx)
	return nil
}

func serveHealth(ln net.Listener, ready *atomic.Bool) {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "informer caches not synced yet", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	_ = server.Serve(ln)
}

func writeAddresses(path string, metrics, health net.Addr) error {
	data, err := json.Marshal(map[string]string{"metrics": metrics.String(), "health": health.String()})
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing address file: %w", err)
	}
	return os.Rename(tmp, path)
}
