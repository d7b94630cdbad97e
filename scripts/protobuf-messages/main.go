// Command protobuf-messages writes libs/api-machinery/src/generated/k8s-protobuf-messages.ts: the
// protobuf message of every built-in kind kapi serves, read from the Go types that k8s.io/api,
// k8s.io/apimachinery, k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator generate their
// generated.proto files from. The Go types carry what the .proto files do (field number, wire type,
// repeated, map, message) plus what they lack: the JSON name (`$ref`, `x-kubernetes-*`, inlined
// members such as Volume's VolumeSource) and whether a field is a pointer (a zero that was sent on
// purpose) or a non-omitempty value (a zero JSON writes too).
//
// Run from the repository root: npm run generate:protobuf-messages
package main

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientscheme "k8s.io/client-go/kubernetes/scheme"
	apiregv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
)

// Types whose protobuf form is written by hand in Go (custom Marshal) or whose JSON form is not
// their message's: the TypeScript side has a schema for each of these names.
var specials = map[reflect.Type]string{
	reflect.TypeOf(metav1.Time{}):          "Time",
	reflect.TypeOf(metav1.MicroTime{}):     "MicroTime",
	reflect.TypeOf(metav1.Duration{}):      "Duration",
	reflect.TypeOf(metav1.FieldsV1{}):      "FieldsV1",
	reflect.TypeOf(resource.Quantity{}):    "Quantity",
	reflect.TypeOf(intstr.IntOrString{}):   "IntOrString",
	reflect.TypeOf(runtime.RawExtension{}): "RawExtension",
	reflect.TypeOf(apiextv1.JSON{}):        "JSON",
	reflect.TypeOf(apiextv1beta1.JSON{}):   "JSON",
}

// Messages whose JSON form is one of their members (apiextensions' JSON-schema unions).
var unions = map[reflect.Type]string{
	reflect.TypeOf(apiextv1.JSONSchemaPropsOrArray{}):            "JSONSchemaPropsOrArray",
	reflect.TypeOf(apiextv1.JSONSchemaPropsOrBool{}):             "JSONSchemaPropsOrBool",
	reflect.TypeOf(apiextv1.JSONSchemaPropsOrStringArray{}):      "JSONSchemaPropsOrStringArray",
	reflect.TypeOf(apiextv1beta1.JSONSchemaPropsOrArray{}):       "JSONSchemaPropsOrArray",
	reflect.TypeOf(apiextv1beta1.JSONSchemaPropsOrBool{}):        "JSONSchemaPropsOrBool",
	reflect.TypeOf(apiextv1beta1.JSONSchemaPropsOrStringArray{}): "JSONSchemaPropsOrStringArray",
}

type field struct {
	number int
	name   string
	typ    string
	flags  string
}

type message struct {
	union  string
	fields []field
}

var messages = map[string]*message{}

// protoName is the message's name as its generated.proto spells it: the Go package path with
// dots, then the type (k8s.io.api.apps.v1.Deployment).
func protoName(t reflect.Type) string {
	return strings.ReplaceAll(t.PkgPath(), "/", ".") + "." + t.Name()
}

func scalar(t reflect.Type) (string, bool) {
	switch t.Kind() {
	case reflect.String:
		return "string", true
	case reflect.Bool:
		return "bool", true
	case reflect.Int32:
		return "int32", true
	case reflect.Int64, reflect.Int:
		return "int64", true
	case reflect.Float64:
		return "double", true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "bytes", true
		}
	}
	return "", false
}

// typeOf names a field's element type, visiting the messages it reaches.
func typeOf(t reflect.Type) string {
	if s, ok := scalar(t); ok {
		return s
	}
	if t.Kind() == reflect.Ptr {
		return typeOf(t.Elem())
	}
	if s, ok := specials[t]; ok {
		return s
	}
	if t.Kind() == reflect.Slice && t.Name() != "" {
		// A named list as a map value (authentication's ExtraValue): a message of `items`.
		name := protoName(t)
		if _, seen := messages[name]; !seen {
			messages[name] = &message{union: "items", fields: []field{{number: 1, name: "items", typ: typeOf(t.Elem()), flags: "r"}}}
		}
		return name
	}
	if t.Kind() != reflect.Struct {
		fmt.Fprintf(os.Stderr, "unsupported type %v\n", t)
		os.Exit(1)
	}
	name := protoName(t)
	if _, seen := messages[name]; seen {
		return name
	}
	m := &message{union: unions[t]}
	messages[name] = m
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("protobuf")
		if !ok {
			continue
		}
		parts := strings.Split(tag, ",")
		number, err := strconv.Atoi(parts[1])
		if err != nil {
			panic(err)
		}
		protoFieldName := ""
		for _, p := range parts {
			if strings.HasPrefix(p, "name=") {
				protoFieldName = strings.TrimPrefix(p, "name=")
			}
		}
		jsonTag := strings.Split(f.Tag.Get("json"), ",")
		jsonName := jsonTag[0]
		omitempty, omitzero, inline := false, false, false
		for _, o := range jsonTag[1:] {
			omitempty = omitempty || o == "omitempty"
			omitzero = omitzero || o == "omitzero"
			inline = inline || o == "inline"
		}
		flags := ""
		if omitzero {
			flags += "o"
		}
		if jsonName == "" || jsonName == "-" {
			jsonName = protoFieldName
		}
		if inline {
			flags += "i"
		}
		ft := f.Type
		if ft.Kind() == reflect.Ptr {
			flags += "z"
			ft = ft.Elem()
		} else if !omitempty && f.Tag.Get("json") != "" && jsonTag[0] != "-" {
			flags += "z"
		}
		var typ string
		switch {
		case ft.Kind() == reflect.Map:
			flags += "m"
			if _, ok := scalar(ft.Key()); !ok || ft.Key().Kind() != reflect.String {
				fmt.Fprintf(os.Stderr, "unsupported map key %v\n", ft)
				os.Exit(1)
			}
			typ = typeOf(ft.Elem())
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
			flags += "r"
			typ = typeOf(ft.Elem())
		default:
			typ = typeOf(ft)
		}
		m.fields = append(m.fields, field{number: number, name: jsonName, typ: typ, flags: flags})
	}
	return name
}

// quote writes a name as a TypeScript string in the repository's style. Names in k8s.io/api hold
// no quote, backslash or newline; one that did would stop the generator rather than be mangled.
func quote(s string) string {
	if strings.ContainsAny(s, "'\\\n") {
		panic(fmt.Sprintf("a name that cannot be written plainly: %q", s))
	}
	return "'" + s + "'"
}

func main() {
	out := os.Args[1]
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientscheme.AddToScheme, apiextv1.AddToScheme, apiextv1beta1.AddToScheme, apiregv1.AddToScheme, apiregv1beta1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	kinds := map[string]string{}
	for gvk, t := range scheme.AllKnownTypes() {
		if gvk.Version == runtime.APIVersionInternal || strings.HasSuffix(gvk.Kind, "List") || gvk.Kind == "WatchEvent" || gvk.Kind == "Status" {
			continue
		}
		if t.Kind() != reflect.Struct {
			continue
		}
		if _, ok := t.FieldByName("TypeMeta"); !ok {
			continue
		}
		kinds[gvk.GroupVersion().String()+"/"+gvk.Kind] = typeOf(t)
	}
	var b strings.Builder
	b.WriteString("// Generated by scripts/protobuf-messages (npm run generate:protobuf-messages) from the Go types of\n")
	b.WriteString("// k8s.io/api, k8s.io/apimachinery, k8s.io/apiextensions-apiserver and k8s.io/kube-aggregator v0.34.2,\n")
	b.WriteString("// the types their generated.proto files are generated from. Do not edit.\n")
	b.WriteString("//\n// A field is [number, JSON name, type, flags]: flags r repeated, m map<string, type>, z a zero that\n")
	b.WriteString("// JSON keeps (a pointer, or a field without omitempty), o a zero JSON leaves out although it is a\n")
	b.WriteString("// struct (omitzero: ObjectMeta's creationTimestamp), i inlined into its parent in JSON.\n")
	b.WriteString("import type { GeneratedMessage } from '../protobuf-messages.js';\n\n")
	b.WriteString("/** apiVersion/kind → message name. */\nexport const KIND_MESSAGES: Record<string, string> = {\n")
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s,\n", quote(k), quote(kinds[k]))
	}
	b.WriteString("};\n\nexport const MESSAGES: Record<string, GeneratedMessage> = {\n")
	names := make([]string, 0, len(messages))
	for n := range messages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := messages[n]
		sort.Slice(m.fields, func(i, j int) bool { return m.fields[i].number < m.fields[j].number })
		fmt.Fprintf(&b, "  %s: {", quote(n))
		if m.union != "" {
			fmt.Fprintf(&b, " union: %s,", quote(m.union))
		}
		b.WriteString(" fields: [")
		for i, f := range m.fields {
			if i > 0 {
				b.WriteString(", ")
			}
			if f.flags != "" {
				fmt.Fprintf(&b, "[%d, %s, %s, %s]", f.number, quote(f.name), quote(f.typ), quote(f.flags))
			} else {
				fmt.Fprintf(&b, "[%d, %s, %s]", f.number, quote(f.name), quote(f.typ))
			}
		}
		b.WriteString("] },\n")
	}
	b.WriteString("};\n")
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		panic(err)
	}
}
