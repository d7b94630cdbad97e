// A client-go program of the kind kube's own controllers are: a shared informer on ConfigMaps, a
// typed client that writes as protobuf (as kube-controller-manager does), server-side apply,
// discovery with a REST mapping and a dynamic client, and leader election on a coordination/v1
// Lease. It prints one JSON line per thing it sees, for
// test-e2e/src/client-go.e2e-spec.ts to read, and exits once it has seen its own writes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	corev1apply "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

type line struct {
	Event string `json:"event"`
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

func say(l line) {
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
}

func fail(what string, err error) {
	say(line{Event: "error", Name: what, Error: err.Error()})
	os.Exit(1)
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the stack")
	namespace := flag.String("namespace", "default", "namespace to work in")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail("kubeconfig", err)
	}
	config.ContentType = "application/vnd.kubernetes.protobuf"
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	client := kubernetes.NewForConfigOrDie(config)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	seen := make(chan line, 100)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(*namespace))
	informer := factory.Core().V1().ConfigMaps().Informer()
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			cm := obj.(*corev1.ConfigMap)
			seen <- line{Event: "add", Name: cm.Name, Value: cm.Data["value"]}
		},
		UpdateFunc: func(_, obj interface{}) {
			cm := obj.(*corev1.ConfigMap)
			seen <- line{Event: "update", Name: cm.Name, Value: cm.Data["value"]}
		},
		DeleteFunc: func(obj interface{}) {
			if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tombstone.Obj
			}
			cm := obj.(*corev1.ConfigMap)
			seen <- line{Event: "delete", Name: cm.Name}
		},
	})
	if err != nil {
		fail("handler", err)
	}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		fail("sync", ctx.Err())
	}
	say(line{Event: "synced"})

	// Whatever existed before is delivered as adds; the test creates "existing" first.
	expect := func(event, name string) line {
		for {
			select {
			case l := <-seen:
				if l.Event == event && l.Name == name {
					say(l)
					return l
				}
			case <-ctx.Done():
				fail(fmt.Sprintf("waiting for %s %s", event, name), ctx.Err())
			}
		}
	}
	expect("add", "existing")

	configMaps := client.CoreV1().ConfigMaps(*namespace)
	created, err := configMaps.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "written"}, Data: map[string]string{"value": "one"}}, metav1.CreateOptions{})
	if err != nil {
		fail("create", err)
	}
	expect("add", "written")
	created.Data["value"] = "two"
	if _, err := configMaps.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		fail("update", err)
	}
	expect("update", "written")
	if err := configMaps.Delete(ctx, "written", metav1.DeleteOptions{}); err != nil {
		fail("delete", err)
	}
	expect("delete", "written")

	// Server-side apply through the typed client's apply configurations.
	applied, err := configMaps.Apply(ctx, corev1apply.ConfigMap("applied", *namespace).WithData(map[string]string{"value": "three"}), metav1.ApplyOptions{FieldManager: "client-go-e2e"})
	if err != nil {
		fail("apply", err)
	}
	expect("add", "applied")
	say(line{Event: "applied", Name: applied.Name, Value: applied.ManagedFields[0].Manager})

	// Discovery and a REST mapping, as dynamic clients and kubectl-like tools find their resources.
	groups, err := restmapper.GetAPIGroupResources(client.Discovery())
	if err != nil {
		fail("discovery", err)
	}
	mapping, err := restmapper.NewDiscoveryRESTMapper(groups).RESTMapping(schema.GroupKind{Group: "apps", Kind: "Deployment"})
	if err != nil {
		fail("rest mapping", err)
	}
	say(line{Event: "mapped", Name: mapping.Resource.String(), Value: string(mapping.Scope.Name())})
	dynamicClient := dynamic.NewForConfigOrDie(config)
	listed, err := dynamicClient.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(*namespace).List(ctx, metav1.ListOptions{LabelSelector: ""})
	if err != nil {
		fail("dynamic list", err)
	}
	names := []string{}
	for _, item := range listed.Items {
		names = append(names, item.GetName())
	}
	sort.Strings(names)
	say(line{Event: "dynamic-list", Value: strings.Join(names, ",")})

	// Leader election as controllers run it, on a Lease.
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: "client-go-e2e", Namespace: *namespace},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: "client-go-e2e-1"},
	}
	leading := make(chan struct{})
	electionCtx, stopElection := context.WithCancel(ctx)
	go leaderelection.RunOrDie(electionCtx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   15 * time.Second,
		RenewDeadline:   10 * time.Second,
		RetryPeriod:     2 * time.Second,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { close(leading) },
			OnStoppedLeading: func() {},
		},
	})
	select {
	case <-leading:
	case <-ctx.Done():
		fail("leader election", ctx.Err())
	}
	lease, err := client.CoordinationV1().Leases(*namespace).Get(ctx, "client-go-e2e", metav1.GetOptions{})
	if err != nil {
		fail("lease", err)
	}
	say(line{Event: "leading", Name: lease.Name, Value: holder(lease)})
	stopElection()
	say(line{Event: "done"})
}

func holder(lease *coordinationv1.Lease) string {
	if lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}
