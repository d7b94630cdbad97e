// A client-go program that writes and reads as kube's own components do, in protobuf: it creates a
// CustomResourceDefinition with the apiextensions clientset, waits until it is established, creates
// a Deployment, writes its status, and reads each back, checking that what kapi stored is what it
// sent; then it gets, lists and watches ConfigMaps, Pods, Deployments and Nodes, reads a NotFound,
// and lists a custom resource, noting the Content-Type of each answer (protobuf for built-in kinds,
// JSON for custom resources, 406 for a custom resource to a client that accepts only protobuf).
// It prints one JSON line per step, for test-e2e/src/protobuf-clients.e2e-spec.ts to read.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

type line struct {
	Event       string `json:"event"`
	Name        string `json:"name,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Error       string `json:"error,omitempty"`
}

// seenTypes remembers the Content-Type of the last answer, as the wire had it.
type seenTypes struct {
	mu   sync.Mutex
	last string
	next http.RoundTripper
}

func (s *seenTypes) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(req)
	if err == nil {
		s.mu.Lock()
		s.last = resp.Header.Get("Content-Type")
		s.mu.Unlock()
	}
	return resp, err
}

func (s *seenTypes) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.last
	s.last = ""
	return t
}

var seen = &seenTypes{}

// read reports a read: its answer's Content-Type, and a difference from what was expected if any.
func read(event string, want, got any, err error) {
	contentType := seen.take()
	if err != nil {
		say(line{Event: event, ContentType: contentType, Error: err.Error()})
		return
	}
	if !equality.Semantic.DeepEqual(want, got) {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		say(line{Event: event, ContentType: contentType, Error: fmt.Sprintf("want %s, got %s", w, g)})
		return
	}
	say(line{Event: event, ContentType: contentType})
}

// next waits for the watch's next event that matches, and reports its type and name.
func next(event string, w watch.Interface, contentType string, match func(watch.Event) (string, bool)) {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				say(line{Event: event, ContentType: contentType, Error: "the watch ended"})
				return
			}
			if e.Type == watch.Error {
				say(line{Event: event, ContentType: contentType, Error: fmt.Sprintf("an ERROR event: %v", apierrors.FromObject(e.Object))})
				return
			}
			if name, ok := match(e); ok {
				say(line{Event: event, Name: string(e.Type) + " " + name, ContentType: contentType})
				return
			}
		case <-timeout:
			say(line{Event: event, ContentType: contentType, Error: "no such event in 30s"})
			return
		}
	}
}

func say(l line) {
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
}

func fail(event string, err error) {
	say(line{Event: event, Error: err.Error()})
	os.Exit(1)
}

// same reports a difference between what was sent and what came back (as kube compares objects:
// quantities and times by value), as JSON both.
func same(event string, sent, got any) {
	if equality.Semantic.DeepEqual(sent, got) {
		say(line{Event: event})
		return
	}
	s, _ := json.Marshal(sent)
	g, _ := json.Marshal(got)
	say(line{Event: event, Error: fmt.Sprintf("sent %s, got %s", s, g)})
}

func crd(group string) *apiextv1.CustomResourceDefinition {
	return &apiextv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "widgets." + group},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: group,
			Names: apiextv1.CustomResourceDefinitionNames{Plural: "widgets", Singular: "widget", Kind: "Widget", ListKind: "WidgetList", ShortNames: []string{"wd"}},
			Scope: apiextv1.NamespaceScoped,
			Versions: []apiextv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
					Type: "object",
					Properties: map[string]apiextv1.JSONSchemaProps{
						"spec": {
							Type:     "object",
							Required: []string{"size"},
							Properties: map[string]apiextv1.JSONSchemaProps{
								"size":   {Type: "integer", Minimum: ptr.To(0.0), Maximum: ptr.To(10.0), Default: &apiextv1.JSON{Raw: []byte(`3`)}},
								"color":  {Type: "string", Enum: []apiextv1.JSON{{Raw: []byte(`"red"`)}, {Raw: []byte(`"blue"`)}}},
								"tags":   {Type: "array", Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &apiextv1.JSONSchemaProps{Type: "string"}}, XListType: ptr.To("set")},
								"labels": {Type: "object", AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &apiextv1.JSONSchemaProps{Type: "string"}}},
								"free":   {Type: "object", XPreserveUnknownFields: ptr.To(true)},
								"port":   {XIntOrString: true},
							},
							XValidations: apiextv1.ValidationRules{{Rule: "self.size >= 0", Message: "size"}},
						},
						"status": {Type: "object", XPreserveUnknownFields: ptr.To(true)},
					},
				}},
				Subresources:             &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{}, Scale: &apiextv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.size", StatusReplicasPath: ".status.size"}},
				AdditionalPrinterColumns: []apiextv1.CustomResourceColumnDefinition{{Name: "Size", Type: "integer", JSONPath: ".spec.size"}},
			}},
		},
	}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"app": "web"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("50%"))}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{
					Volumes: []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr.To(resource.MustParse("64Mi"))}}}},
					Containers: []corev1.Container{{
						Name:           "nginx",
						Image:          "nginx:1.27",
						Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
						Env:            []corev1.EnvVar{{Name: "POD", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}},
						Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}, Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}}, PeriodSeconds: 5, TimeoutSeconds: 1, SuccessThreshold: 1, FailureThreshold: 3},
						VolumeMounts:   []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}},
					}},
				},
			},
		},
	}
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig")
	namespace := flag.String("namespace", "default", "namespace for the Deployment")
	group := flag.String("group", "protobuf.example.com", "the CRD's group")
	flag.Parse()
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fail("config", err)
	}
	// As kube-controller-manager and e2e.test do.
	config.ContentType = "application/vnd.kubernetes.protobuf"
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	config.Wrap(func(rt http.RoundTripper) http.RoundTripper { seen.next = rt; return seen })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	ext := apiextclient.NewForConfigOrDie(config)
	sentCRD := crd(*group)
	created, err := ext.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, sentCRD, metav1.CreateOptions{})
	if err != nil {
		fail("crd-created", err)
	}
	say(line{Event: "crd-created", Name: created.Name})
	same("crd-schema", sentCRD.Spec.Versions[0].Schema, created.Spec.Versions[0].Schema)
	same("crd-subresources", sentCRD.Spec.Versions[0].Subresources, created.Spec.Versions[0].Subresources)
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := ext.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range got.Status.Conditions {
			if c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		fail("crd-established", err)
	}
	say(line{Event: "crd-established"})

	kube := kubernetes.NewForConfigOrDie(config)
	sent := deployment()
	dep, err := kube.AppsV1().Deployments(*namespace).Create(ctx, sent, metav1.CreateOptions{})
	if err != nil {
		fail("deployment-created", err)
	}
	say(line{Event: "deployment-created", Name: dep.Name})
	same("deployment-replicas", sent.Spec.Replicas, dep.Spec.Replicas)
	same("deployment-strategy", sent.Spec.Strategy, dep.Spec.Strategy)
	same("deployment-volumes", sent.Spec.Template.Spec.Volumes, dep.Spec.Template.Spec.Volumes)
	sc, dc := sent.Spec.Template.Spec.Containers[0], dep.Spec.Template.Spec.Containers[0]
	same("deployment-container", []any{sc.Ports, sc.Env, sc.Resources, sc.ReadinessProbe, sc.VolumeMounts}, []any{dc.Ports, dc.Env, dc.Resources, dc.ReadinessProbe, dc.VolumeMounts})

	// kube-controller-manager's deployment controller writes the status so.
	now := metav1.NewTime(time.Now().UTC().Truncate(time.Second))
	dep.Status = appsv1.DeploymentStatus{ObservedGeneration: dep.Generation, Replicas: 0, Conditions: []appsv1.DeploymentCondition{{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", LastUpdateTime: now, LastTransitionTime: now}}}
	updated, err := kube.AppsV1().Deployments(*namespace).UpdateStatus(ctx, dep, metav1.UpdateOptions{})
	if err != nil {
		fail("deployment-status", err)
	}
	same("deployment-status", dep.Status, updated.Status)
	seen.take()

	reads(ctx, config, kube, *namespace, *group, sent)
	say(line{Event: "done"})
}

// reads gets, lists and watches built-in kinds as a protobuf client, checking the values it decodes.
func reads(ctx context.Context, config *rest.Config, kube *kubernetes.Clientset, ns, group string, sentDeployment *appsv1.Deployment) {
	got, err := kube.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err == nil {
		read("deployment-get", []any{sentDeployment.Spec.Replicas, sentDeployment.Spec.Strategy, sentDeployment.Spec.Template.Spec.Volumes}, []any{got.Spec.Replicas, got.Spec.Strategy, got.Spec.Template.Spec.Volumes}, nil)
	} else {
		read("deployment-get", nil, nil, err)
	}
	deployments, err := kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err == nil {
		read("deployment-list", []any{1, "web", false}, []any{len(deployments.Items), deployments.Items[0].Name, deployments.ResourceVersion == ""}, nil)
	} else {
		read("deployment-list", nil, nil, err)
	}

	// ConfigMaps: text and binary data, labels, a list with a selector, and a watch.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Labels: map[string]string{"pb": "yes"}}, Data: map[string]string{"a": "1", "empty": ""}, BinaryData: map[string][]byte{"bin": {0, 1, 2, 255}}}
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		fail("configmap-created", err)
	}
	seen.take()
	gotCM, err := kube.CoreV1().ConfigMaps(ns).Get(ctx, "settings", metav1.GetOptions{})
	if err == nil {
		read("configmap-get", []any{cm.Labels, cm.Data, cm.BinaryData, false}, []any{gotCM.Labels, gotCM.Data, gotCM.BinaryData, gotCM.CreationTimestamp.IsZero()}, nil)
	} else {
		read("configmap-get", nil, nil, err)
	}
	cms, err := kube.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "pb=yes"})
	if err == nil {
		read("configmap-list", []any{1, cm.Data}, []any{len(cms.Items), cms.Items[0].Data}, nil)
	} else {
		fail("configmap-list", err)
	}
	cmWatch, err := kube.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: cms.ResourceVersion, LabelSelector: "pb=yes"})
	if err != nil {
		fail("configmap-watch", err)
	}
	defer cmWatch.Stop()
	watchType := seen.take()
	gotCM.Data["a"] = "2"
	if _, err := kube.CoreV1().ConfigMaps(ns).Update(ctx, gotCM, metav1.UpdateOptions{}); err != nil {
		fail("configmap-updated", err)
	}
	next("configmap-watch", cmWatch, watchType, func(e watch.Event) (string, bool) {
		c, ok := e.Object.(*corev1.ConfigMap)
		if !ok {
			return "", false
		}
		return c.Name, e.Type == watch.Modified && c.Data["a"] == "2" && c.BinaryData["bin"][3] == 255
	})
	if err := kube.CoreV1().ConfigMaps(ns).Delete(ctx, "settings", metav1.DeleteOptions{}); err != nil {
		fail("configmap-deleted", err)
	}
	next("configmap-watch-delete", cmWatch, watchType, func(e watch.Event) (string, bool) {
		c, ok := e.Object.(*corev1.ConfigMap)
		if !ok {
			return "", false
		}
		return c.Name, e.Type == watch.Deleted
	})

	// An error is a Status, in protobuf too.
	_, err = kube.CoreV1().ConfigMaps(ns).Get(ctx, "missing", metav1.GetOptions{})
	contentType := seen.take()
	if apierrors.IsNotFound(err) && err.Error() == `configmaps "missing" not found` {
		say(line{Event: "configmap-not-found", ContentType: contentType})
	} else {
		say(line{Event: "configmap-not-found", ContentType: contentType, Error: fmt.Sprintf("%v", err)})
	}

	// Pods: a watch from before the pod exists, then the pod's spec as it was sent.
	pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		fail("pod-list", err)
	}
	read("pod-list", 0, len(pods.Items), nil)
	podWatch, err := kube.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: pods.ResourceVersion})
	if err != nil {
		fail("pod-watch", err)
	}
	defer podWatch.Stop()
	watchType = seen.take()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "worker", Annotations: map[string]string{"note": "protobuf"}},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "app", Image: "busybox:1.36", Command: []string{"sleep", "3600"}, Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")}}}},
			Tolerations:                   []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](30)}},
			TerminationGracePeriodSeconds: ptr.To[int64](0),
		},
	}
	// The namespace's default service account, which admission looks for, comes a moment after it.
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil && strings.Contains(err.Error(), "serviceaccount") {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		fail("pod-created", err)
	}
	next("pod-watch", podWatch, watchType, func(e watch.Event) (string, bool) {
		p, ok := e.Object.(*corev1.Pod)
		if !ok {
			return "", false
		}
		return p.Name, e.Type == watch.Added && p.Annotations["note"] == "protobuf"
	})
	seen.take()
	gotPod, err := kube.CoreV1().Pods(ns).Get(ctx, "worker", metav1.GetOptions{})
	if err == nil {
		sc, gc := pod.Spec.Containers[0], gotPod.Spec.Containers[0]
		read("pod-get", []any{sc.Command, sc.Resources, pod.Spec.Tolerations[0], int64(0)}, []any{gc.Command, gc.Resources, gotPod.Spec.Tolerations[0], *gotPod.Spec.TerminationGracePeriodSeconds}, nil)
	} else {
		read("pod-get", nil, nil, err)
	}

	// Nodes: cluster-scoped, with taints and labels.
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "pb-node", Labels: map[string]string{"zone": "a"}}, Spec: corev1.NodeSpec{PodCIDR: "10.9.0.0/24", Taints: []corev1.Taint{{Key: "dedicated", Value: "pb", Effect: corev1.TaintEffectNoSchedule}}}}
	nodes, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		fail("node-list", err)
	}
	nodeWatch, err := kube.CoreV1().Nodes().Watch(ctx, metav1.ListOptions{ResourceVersion: nodes.ResourceVersion, FieldSelector: "metadata.name=pb-node"})
	if err != nil {
		fail("node-watch", err)
	}
	defer nodeWatch.Stop()
	watchType = seen.take()
	if _, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		fail("node-created", err)
	}
	next("node-watch", nodeWatch, watchType, func(e watch.Event) (string, bool) {
		n, ok := e.Object.(*corev1.Node)
		if !ok {
			return "", false
		}
		return n.Name, e.Type == watch.Added && len(n.Spec.Taints) > 0 && n.Spec.Taints[0].Value == "pb"
	})
	seen.take()
	nodes, err = kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "zone=a"})
	if err == nil && len(nodes.Items) == 1 {
		// Admission adds the not-ready taint (TaintNodesByCondition) after the one sent.
		read("node-list", []any{node.Spec.PodCIDR, node.Spec.Taints[0], "node.kubernetes.io/not-ready"}, []any{nodes.Items[0].Spec.PodCIDR, nodes.Items[0].Spec.Taints[0], nodes.Items[0].Spec.Taints[len(nodes.Items[0].Spec.Taints)-1].Key}, nil)
	} else {
		read("node-list", 1, len(nodes.Items), err)
	}
	if err := kube.CoreV1().Nodes().Delete(ctx, "pb-node", metav1.DeleteOptions{}); err != nil {
		fail("node-deleted", err)
	}

	// Deployments: a watch sees the scale-up with its new replicas.
	deployments, err = kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		fail("deployment-list", err)
	}
	depWatch, err := kube.AppsV1().Deployments(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: deployments.ResourceVersion})
	if err != nil {
		fail("deployment-watch", err)
	}
	defer depWatch.Stop()
	watchType = seen.take()
	scale, err := kube.AppsV1().Deployments(ns).GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		fail("deployment-scale", err)
	}
	read("deployment-scale", int32(0), scale.Spec.Replicas, nil)
	scale.Spec.Replicas = 2
	if _, err := kube.AppsV1().Deployments(ns).UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		fail("deployment-scaled", err)
	}
	next("deployment-watch", depWatch, watchType, func(e watch.Event) (string, bool) {
		d, ok := e.Object.(*appsv1.Deployment)
		if !ok {
			return "", false
		}
		return d.Name, e.Type == watch.Modified && d.Spec.Replicas != nil && *d.Spec.Replicas == 2
	})

	// A review is answered, not stored: in protobuf too.
	review, err := kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: ns, Verb: "get", Resource: "pods"}}}, metav1.CreateOptions{})
	if err == nil {
		read("access-review", true, review.Status.Allowed, nil)
	} else {
		read("access-review", nil, nil, err)
	}

	// Metadata alone (the garbage collector's metadata informers), in protobuf for built-in kinds and
	// custom resources alike, as kube serves PartialObjectMetadata.
	meta := metadata.NewForConfigOrDie(config)
	partial, err := meta.Resource(appsv1.SchemeGroupVersion.WithResource("deployments")).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err == nil {
		read("deployment-metadata-list", []any{1, "web", "web"}, []any{len(partial.Items), partial.Items[0].Name, partial.Items[0].Labels["app"]}, nil)
	} else {
		read("deployment-metadata-list", nil, nil, err)
	}
	partial, err = meta.Resource(schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widgets"}).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err == nil {
		read("widget-metadata-list", 0, len(partial.Items), nil)
	} else {
		read("widget-metadata-list", nil, nil, err)
	}
	metaWatch, err := meta.Resource(corev1.SchemeGroupVersion.WithResource("configmaps")).Namespace(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "pb=meta"})
	if err != nil {
		fail("configmap-metadata-watch", err)
	}
	defer metaWatch.Stop()
	watchType = seen.take()
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "meta", Labels: map[string]string{"pb": "meta"}}}, metav1.CreateOptions{}); err != nil {
		fail("configmap-created", err)
	}
	next("configmap-metadata-watch", metaWatch, watchType, func(e watch.Event) (string, bool) {
		m, ok := e.Object.(*metav1.PartialObjectMetadata)
		if !ok {
			return "", false
		}
		return m.Name, e.Type == watch.Added && m.Labels["pb"] == "meta"
	})

	// A custom resource is JSON to this client (which accepts JSON too), and 406 to one that accepts only protobuf.
	widgets := "/apis/" + group + "/v1/namespaces/" + ns + "/widgets"
	_, err = kube.CoreV1().RESTClient().Get().AbsPath(widgets).DoRaw(ctx)
	read("widget-list", nil, nil, err)
	_, err = kube.CoreV1().RESTClient().Get().AbsPath(widgets).SetHeader("Accept", "application/vnd.kubernetes.protobuf").DoRaw(ctx)
	contentType = seen.take()
	if apierrors.IsNotAcceptable(err) {
		say(line{Event: "widget-list-protobuf-only", ContentType: contentType})
	} else {
		say(line{Event: "widget-list-protobuf-only", ContentType: contentType, Error: fmt.Sprintf("not a 406: %v", err)})
	}
}
