//! Strict field validation through the loader: every field of a pod's and a container's
//! security context misspelled in turn gives the API server's message at the key's
//! file:line:column; other levels, kinds, `warn` and `ignore`; unjudged kinds not decoded.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{
    AppArmorProfile, Capabilities, PodSecurityContext, SELinuxOptions, SeccompProfile,
    SecurityContext, Sysctl, WindowsSecurityContextOptions,
};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use super::*;

/// A YAML tree for the tests, rendered in block style with the line and column of every key
/// recorded as it is written (so expected positions do not come from secctx's parser).
enum T {
    /// A scalar (or flow collection) written as is.
    Leaf(&'static str),
    /// A mapping.
    Map(Vec<(&'static str, T)>),
    /// A sequence of mappings.
    List(Vec<T>),
}

use T::{Leaf, List, Map};

/// A key as rendered: its API path (with the key as written) and where it is.
#[derive(Clone, Debug)]
struct Rendered {
    path: String,
    line: u32,
    column: u32,
}

struct Writer<'a> {
    text: String,
    line: u32,
    keys: Vec<Rendered>,
    /// The path of the key to write misspelled, and how.
    typo: Option<(&'a str, String)>,
}

impl Writer<'_> {
    fn key(&mut self, path: &str, key: &str, column: u32) -> String {
        let written = match &self.typo {
            Some((p, t)) if *p == path => t.clone(),
            _ => key.to_string(),
        };
        let parent = &path[..path.len() - key.len()];
        self.keys.push(Rendered {
            path: format!("{parent}{written}"),
            line: self.line,
            column,
        });
        written
    }

    /// Writes `entries` at `indent`; the first key goes after `first_prefix` (`- ` for a list
    /// item) on the current line.
    fn map(
        &mut self,
        entries: &[(&'static str, T)],
        base: &str,
        indent: usize,
        first_prefix: &str,
    ) {
        for (i, (k, v)) in entries.iter().enumerate() {
            let path = if base.is_empty() {
                (*k).to_string()
            } else {
                format!("{base}.{k}")
            };
            let prefix = if i == 0 {
                format!("{}{first_prefix}", " ".repeat(indent - first_prefix.len()))
            } else {
                " ".repeat(indent)
            };
            let written = self.key(&path, k, indent as u32 + 1);
            match v {
                Leaf(s) => self.line(&format!("{prefix}{written}: {s}")),
                Map(m) => {
                    self.line(&format!("{prefix}{written}:"));
                    self.map(m, &path, indent + 2, "");
                }
                List(items) => {
                    self.line(&format!("{prefix}{written}:"));
                    for (n, item) in items.iter().enumerate() {
                        let Map(m) = item else {
                            panic!("lists hold mappings")
                        };
                        self.map(m, &format!("{path}[{n}]"), indent + 2, "- ");
                    }
                }
            }
        }
    }

    fn line(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
        self.line += 1;
    }
}

/// Renders `tree`, starting at line `first_line`, with the key at `typo` written as given.
fn render(tree: &T, first_line: u32, typo: Option<(&str, String)>) -> (String, Vec<Rendered>) {
    let Map(m) = tree else {
        panic!("a document is a mapping")
    };
    let mut w = Writer {
        text: String::new(),
        line: first_line,
        keys: Vec::new(),
        typo,
    };
    w.map(m, "", 0, "");
    (w.text, w.keys)
}

fn pod_security_context() -> T {
    Map(vec![
        (
            "appArmorProfile",
            Map(vec![
                ("type", Leaf("Localhost")),
                ("localhostProfile", Leaf("prof")),
            ]),
        ),
        ("fsGroup", Leaf("2000")),
        ("fsGroupChangePolicy", Leaf("OnRootMismatch")),
        ("runAsGroup", Leaf("3000")),
        ("runAsNonRoot", Leaf("true")),
        ("runAsUser", Leaf("1000")),
        ("seLinuxChangePolicy", Leaf("MountOption")),
        ("seLinuxOptions", se_linux_options()),
        (
            "seccompProfile",
            Map(vec![
                ("type", Leaf("Localhost")),
                ("localhostProfile", Leaf("p.json")),
            ]),
        ),
        ("supplementalGroups", Leaf("[4000]")),
        ("supplementalGroupsPolicy", Leaf("Strict")),
        (
            "sysctls",
            List(vec![
                Map(vec![
                    ("name", Leaf("kernel.shm_rmid_forced")),
                    ("value", Leaf("'1'")),
                ]),
                Map(vec![
                    ("name", Leaf("net.ipv4.ping_group_range")),
                    ("value", Leaf("'0 1'")),
                ]),
            ]),
        ),
        ("windowsOptions", windows_options()),
    ])
}

fn se_linux_options() -> T {
    Map(vec![
        ("level", Leaf("s0:c1,c2")),
        ("role", Leaf("object_r")),
        ("type", Leaf("spc_t")),
        ("user", Leaf("system_u")),
    ])
}

fn windows_options() -> T {
    Map(vec![
        ("gmsaCredentialSpec", Leaf("spec")),
        ("gmsaCredentialSpecName", Leaf("name")),
        ("hostProcess", Leaf("false")),
        ("runAsUserName", Leaf("user")),
    ])
}

fn container_security_context() -> T {
    Map(vec![
        ("allowPrivilegeEscalation", Leaf("false")),
        (
            "appArmorProfile",
            Map(vec![
                ("type", Leaf("RuntimeDefault")),
                ("localhostProfile", Leaf("aa.json")),
            ]),
        ),
        (
            "capabilities",
            Map(vec![
                ("add", Leaf("[NET_BIND_SERVICE]")),
                ("drop", Leaf("[ALL]")),
            ]),
        ),
        ("privileged", Leaf("false")),
        ("procMount", Leaf("Default")),
        ("readOnlyRootFilesystem", Leaf("true")),
        ("runAsGroup", Leaf("1")),
        ("runAsNonRoot", Leaf("true")),
        ("runAsUser", Leaf("1")),
        ("seLinuxOptions", se_linux_options()),
        (
            "seccompProfile",
            Map(vec![
                ("type", Leaf("RuntimeDefault")),
                ("localhostProfile", Leaf("sc.json")),
            ]),
        ),
        ("windowsOptions", windows_options()),
    ])
}

/// A pod spec: the pod's security context and two containers, the second with a security
/// context; an init and an ephemeral container with one too.
fn pod_spec() -> T {
    Map(vec![
        ("securityContext", pod_security_context()),
        (
            "initContainers",
            List(vec![Map(vec![
                ("name", Leaf("init")),
                ("image", Leaf("i")),
                ("securityContext", container_security_context()),
            ])]),
        ),
        (
            "containers",
            List(vec![
                Map(vec![("name", Leaf("a")), ("image", Leaf("i"))]),
                Map(vec![
                    ("name", Leaf("b")),
                    ("image", Leaf("i")),
                    ("securityContext", container_security_context()),
                ]),
            ]),
        ),
        (
            "ephemeralContainers",
            List(vec![Map(vec![
                ("name", Leaf("debug")),
                ("image", Leaf("i")),
                ("securityContext", container_security_context()),
            ])]),
        ),
    ])
}

fn pod() -> T {
    Map(vec![
        ("apiVersion", Leaf("v1")),
        ("kind", Leaf("Pod")),
        ("metadata", Map(vec![("name", Leaf("p"))])),
        ("spec", pod_spec()),
    ])
}

/// The misspelling: the last but one character dropped (`privileged` -> `privilegd`).
fn misspelled(key: &str) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    let n = chars.len();
    chars.remove(n - 2);
    chars.into_iter().collect()
}

/// The field names a k8s-openapi type decodes (what it passes to `deserialize_struct`).
fn fields_of<T: DeserializeOwned>() -> BTreeSet<&'static str> {
    struct Probe<'a>(&'a mut Option<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = Some(fields);
            Err(de::Error::custom("probed"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }
    let mut fields = None;
    let _ = T::deserialize(Probe(&mut fields));
    fields.expect("a struct").iter().copied().collect()
}

fn keys_under(tree: &T) -> BTreeSet<&'static str> {
    match tree {
        Map(m) => m.iter().map(|(k, _)| *k).collect(),
        List(items) => items.iter().flat_map(keys_under).collect(),
        Leaf(_) => BTreeSet::new(),
    }
}

fn child<'a>(tree: &'a T, key: &str) -> &'a T {
    let Map(m) = tree else {
        panic!("not a mapping")
    };
    &m.iter().find(|(k, _)| *k == key).unwrap().1
}

#[test]
fn the_test_pod_writes_every_security_context_field() {
    let pod = pod_security_context();
    let ctr = container_security_context();
    assert_eq!(keys_under(&pod), fields_of::<PodSecurityContext>());
    assert_eq!(keys_under(&ctr), fields_of::<SecurityContext>());
    for sc in [&pod, &ctr] {
        assert_eq!(
            keys_under(child(sc, "seLinuxOptions")),
            fields_of::<SELinuxOptions>()
        );
        assert_eq!(
            keys_under(child(sc, "seccompProfile")),
            fields_of::<SeccompProfile>()
        );
        assert_eq!(
            keys_under(child(sc, "appArmorProfile")),
            fields_of::<AppArmorProfile>()
        );
        assert_eq!(
            keys_under(child(sc, "windowsOptions")),
            fields_of::<WindowsSecurityContextOptions>()
        );
    }
    assert_eq!(
        keys_under(child(&ctr, "capabilities")),
        fields_of::<Capabilities>()
    );
    assert_eq!(keys_under(child(&pod, "sysctls")), fields_of::<Sysctl>());
    // And it loads as written.
    let (text, _) = render(&pod_tree_for("Pod"), 1, None);
    let loaded = load_text("pod.yaml", &text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.workloads().count(), 1);
}

fn pod_tree_for(kind: &str) -> T {
    match kind {
        "Pod" => pod(),
        "Deployment" => Map(vec![
            ("apiVersion", Leaf("apps/v1")),
            ("kind", Leaf("Deployment")),
            ("metadata", Map(vec![("name", Leaf("d"))])),
            (
                "spec",
                Map(vec![
                    ("selector", Leaf("{matchLabels: {a: b}}")),
                    (
                        "template",
                        Map(vec![
                            ("metadata", Leaf("{labels: {a: b}}")),
                            ("spec", pod_spec()),
                        ]),
                    ),
                ]),
            ),
        ]),
        "CronJob" => Map(vec![
            ("apiVersion", Leaf("batch/v1")),
            ("kind", Leaf("CronJob")),
            ("metadata", Map(vec![("name", Leaf("cj"))])),
            (
                "spec",
                Map(vec![
                    ("schedule", Leaf("'* * * * *'")),
                    (
                        "jobTemplate",
                        Map(vec![(
                            "spec",
                            Map(vec![("template", Map(vec![("spec", pod_spec())]))]),
                        )]),
                    ),
                ]),
            ),
        ]),
        _ => unreachable!("a kind of this test"),
    }
}

/// Misspells every key whose path passes `select`, one at a time, in a document that starts
/// at line `first_line` of a file after `before`; each must give exactly one error: the API
/// server's message at the key's line and column. Returns how many keys were tried.
fn misspell_each(kind: &str, before: &str, select: impl Fn(&str) -> bool) -> usize {
    let tree = pod_tree_for(kind);
    let first_line = before.lines().count() as u32 + 1;
    let (_, keys) = render(&tree, first_line, None);
    let mut tried = 0;
    for k in keys.iter().filter(|k| select(&k.path)) {
        let key = k.path.rsplit(['.', ']']).next().unwrap();
        let typo = misspelled(key);
        let (text, written) = render(&tree, first_line, Some((&k.path, typo.clone())));
        let bad = written
            .iter()
            .find(|w| w.line == k.line && w.column == k.column)
            .unwrap();
        let loaded = load_text("f.yaml", &format!("{before}{text}"));
        let got: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [format!(
                "f.yaml:{}:{}: strict decoding error: unknown field \"{}\"",
                k.line, k.column, bad.path
            )],
            "{kind}: {} misspelled as {typo}",
            k.path
        );
        assert_eq!(loaded.objects.len(), 0, "{}", k.path);
        tried += 1;
    }
    tried
}

#[test]
fn every_security_context_field_misspelled_is_an_error_at_its_key() {
    let tried = misspell_each("Pod", "", |p| p.contains("securityContext."));
    // 13 + 2 + 4 + 2 + 2 * 2 + 4 pod fields, 3 containers of 12 + 4 + 2 + 2 + 2 + 4.
    assert_eq!(tried, 29 + 3 * 26);
}

#[test]
fn a_deployments_and_a_cronjobs_paths_lead_to_the_template() {
    // After another document, so lines count from the file's start.
    let before = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n";
    let sc = |p: &str| {
        p.ends_with("spec.securityContext.seccompProfile.type")
            || p.ends_with("containers[1].securityContext.capabilities.drop")
            || p.ends_with("securityContext.sysctls[1].value")
    };
    assert_eq!(misspell_each("Deployment", before, sc), 3);
    assert_eq!(misspell_each("CronJob", before, sc), 3);
    let (text, keys) = render(&pod_tree_for("CronJob"), 5, None);
    let drop = keys
        .iter()
        .find(|k| {
            k.path
                .ends_with("containers[1].securityContext.capabilities.drop")
        })
        .unwrap();
    assert_eq!(
        drop.path,
        "spec.jobTemplate.spec.template.spec.containers[1].securityContext.capabilities.drop"
    );
    assert!(text.contains("drop: [ALL]"));
}

#[test]
fn other_levels_top_metadata_spec_and_containers() {
    let tried = misspell_each("Deployment", "", |p| {
        matches!(
            p,
            "metadata.name"
                | "spec.selector"
                | "spec.template"
                | "spec.template.metadata"
                | "spec.template.spec.containers[1].image"
                | "spec.template.spec.initContainers[0].name"
                | "spec.template.spec.ephemeralContainers[0].image"
        )
    });
    assert_eq!(tried, 7);
    // A field added where it does not belong, at the top level and in a container.
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nsecurityContext: {privileged: true}\nspec:\n  containers:\n  - name: c\n    image: i\n    privileged: true\n";
    let loaded = load_text("p.yaml", text);
    let got: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p.yaml:4:1: strict decoding error: unknown field \"securityContext\"",
            "p.yaml:9:5: strict decoding error: unknown field \"spec.containers[0].privileged\"",
        ]
    );
}

#[test]
fn items_of_a_list_are_paths_from_the_item() {
    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec:\n    containers: [{name: c, image: i, securityContext: {runAsNonRot: true}}]\n";
    let loaded = load_text("l.yaml", text);
    assert_eq!(
        loaded.errors[0].to_string(),
        "l.yaml:8:56: strict decoding error: unknown field \"spec.containers[0].securityContext.runAsNonRot\""
    );
}

#[test]
fn a_type_error_is_the_only_error() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    securityContext: {privilegd: true, runAsUser: abc}\n";
    let loaded = load_text("p.yaml", text);
    let got: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p.yaml:8:40: spec.containers[0].securityContext.runAsUser: invalid type: string \"abc\", expected i64"
        ]
    );
}

const TYPOS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n    securityContex: {privileged: true}\n    securityContext: {privilegd: true}\n";

#[test]
fn warn_loads_the_object_and_warns_with_kubectls_text() {
    let opts = LoadOptions {
        field_validation: FieldValidation::Warn,
        ..LoadOptions::default()
    };
    let loaded = load_text_with("p.yaml", TYPOS, &opts);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let w = loaded.workloads().next().unwrap();
    // The misspelled fields are dropped, as the API server drops them.
    assert_eq!(
        w.spec.containers[0].security_context,
        Some(SecurityContext::default())
    );
    let got: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "p.yaml:8:5: unknown field \"spec.containers[0].securityContex\"",
            "p.yaml:9:23: unknown field \"spec.containers[0].securityContext.privilegd\"",
        ]
    );
}

#[test]
fn ignore_says_nothing_and_strict_says_each() {
    let opts = LoadOptions {
        field_validation: FieldValidation::Ignore,
        ..LoadOptions::default()
    };
    let loaded = load_text_with("p.yaml", TYPOS, &opts);
    assert!(loaded.errors.is_empty() && loaded.warnings.is_empty());
    assert_eq!(loaded.workloads().count(), 1);
    let strict = load_text("p.yaml", TYPOS);
    assert_eq!(strict.errors.len(), 2);
    assert!(strict.warnings.is_empty());
    assert_eq!(strict.objects.len(), 0);
}

#[test]
fn namespaces_are_validated_too() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  lables: {pod-security.kubernetes.io/enforce: restricted}\n";
    let loaded = load_text("ns.yaml", text);
    assert_eq!(
        loaded.errors[0].to_string(),
        "ns.yaml:5:3: strict decoding error: unknown field \"metadata.lables\""
    );
}

const BAD_SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: 'hun ter2'\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1}\nbogus: x\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n";

#[test]
fn secrets_and_config_maps_are_counted_not_decoded() {
    let loaded = load_text("s.yaml", BAD_SECRET);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.workloads().count(), 1);
    assert_eq!(
        loaded.skipped.iter().collect::<Vec<_>>(),
        [
            (&"v1/ConfigMap".to_string(), &1),
            (&"v1/Secret".to_string(), &1)
        ]
    );
}

#[test]
fn run_decodes_volume_sources_strictly() {
    let opts = LoadOptions {
        volume_sources: true,
        ..LoadOptions::default()
    };
    let loaded = load_text_with("s.yaml", BAD_SECRET, &opts);
    let got: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "s.yaml:5:3: data.password: Invalid symbol 32, offset 3.",
            "s.yaml:10:8: data.a: invalid type: integer `1`, expected a string",
        ]
    );
    assert!(loaded.skipped.is_empty());
}

#[test]
fn other_kinds_are_not_decoded_at_all() {
    // `.nan` cannot become JSON: an error for a judged kind, nothing for a Service.
    let text =
        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {x: .nan, x2: {bad: [}}\n";
    let loaded = load_text("svc.yaml", text);
    // The YAML itself must still parse; here it does not, so that is the only error.
    assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: s, bogus: 1}\nspec: {x: .nan}\n";
    let loaded = load_text("svc.yaml", text);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.skipped.get("v1/Service"), Some(&1));
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: s}\nspec: {x: .nan}\n";
    assert_eq!(
        load_text("p.yaml", pod).errors[0].to_string(),
        "p.yaml:4:11: unsupported value: NaN (JSON has no NaN or infinity)"
    );
}
