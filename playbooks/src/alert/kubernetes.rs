//! A command run in a container through the Kubernetes API (`kubectl exec`, `kubectl attach`: a
//! `create` on a pod's `exec` or `attach` subresource), as the API server's audit log records it
//! (`audit.k8s.io/v1` events), as Elastic's Kubernetes audit-log integration keeps it
//! (`kubernetes.audit.*`), and as Falco's `k8s_audit` rules report it (`ka.*` fields). The
//! command is in the request's query (`?command=sh&command=-c&command=…&container=app`).
//!
//! The pod is the host the command ran on; the account that asked is the user; the audit
//! event's own fields stay under `kubernetes.audit` (camelCase, as the API server writes them),
//! so that a playbook can read the authorizer's reason (`annotations`) or the caller's groups.
//! The document as it came stays under `k8s_audit`.

use super::edr::{finish, mtext, set_techniques, shell_join, text};
use super::{s, set_path};
use serde_json::{Map, Value as Json, json};

/// The reader: `None` when the document is not a pod exec or attach.
pub(super) fn kubernetes_exec(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let (audit, rule, tags) = audit_event(obj)?;
    let object = audit.get("objectRef")?;
    let sub = text(object, "subresource")?;
    if !matches!(sub, "exec" | "attach") || text(object, "resource") != Some("pods") {
        return None;
    }
    let uri = mtext(&audit, "requestURI").unwrap_or_default();
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    let params: Vec<(String, String)> = query
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_owned(), url_decode(v)))
        })
        .collect();
    let param = |name: &str| -> Vec<String> {
        params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let args: Vec<String> = param("command");
    let mut e = Map::new();
    if let Some(first) = args.first() {
        let cmd = shell_join(&args.iter().map(String::as_str).collect::<Vec<_>>());
        set_path(&mut e, "process.command_line", s(&cmd));
        set_path(&mut e, "process.args", json!(args));
        set_path(&mut e, "process.name", s(super::basename_of(first)));
        if first.starts_with('/') {
            set_path(&mut e, "process.executable", s(first));
        }
    }
    let pod = text(object, "name");
    let namespace = text(object, "namespace");
    if let Some(p) = pod {
        set_path(&mut e, "host.name", s(p));
        set_path(&mut e, "orchestrator.resource.name", s(p));
    }
    set_path(&mut e, "orchestrator.type", s("kubernetes"));
    set_path(&mut e, "orchestrator.resource.type", s("pod"));
    if let Some(n) = namespace {
        set_path(&mut e, "orchestrator.namespace", s(n));
    }
    if let Some(c) = param("container").first() {
        let c = c.clone();
        set_path(&mut e, "container.name", s(&c));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    let user = audit.get("user");
    if let Some(u) = user.and_then(|u| text(u, "username")) {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(ip) = audit
        .get("sourceIPs")
        .and_then(Json::as_array)
        .and_then(|a| a.first())
        .and_then(Json::as_str)
    {
        set_path(&mut e, "source.ip", s(ip));
    }
    if let Some(ua) = mtext(&audit, "userAgent") {
        set_path(&mut e, "user_agent.original", s(ua));
    }
    set_path(&mut e, "event.action", s(sub));
    set_path(&mut e, "event.category", json!(["process"]));
    set_path(&mut e, "event.type", json!(["start"]));
    let code = audit
        .get("responseStatus")
        .and_then(|r| r.get("code"))
        .and_then(Json::as_i64);
    let decision = audit
        .get("annotations")
        .and_then(|a| text(a, "authorization.k8s.io/decision"));
    let outcome = match (code, decision) {
        (Some(c), _) if c >= 400 => "failure",
        (_, Some("forbid")) => "failure",
        (Some(_), _) | (_, Some("allow")) => "success",
        _ => "unknown",
    };
    set_path(&mut e, "event.outcome", s(outcome));
    if let Some(t) =
        mtext(&audit, "requestReceivedTimestamp").or_else(|| mtext(&audit, "stageTimestamp"))
    {
        e.insert("@timestamp".into(), s(t));
    }
    if let Some(r) = rule {
        set_path(&mut e, "rule.name", s(&r));
    }
    let techniques: Vec<&str> = tags
        .iter()
        .map(String::as_str)
        .filter(|t| crate::load::is_technique(t))
        .collect();
    set_techniques(&mut e, &techniques);
    let id = mtext(&audit, "auditID").map(str::to_owned);
    set_path(&mut e, "kubernetes.audit", Json::Object(audit));
    finish(&mut e, "kubernetes", "k8s_audit", Json::Object(obj.clone()));
    Some((e, id))
}

/// An audit event in its canonical shape (camelCase keys), the rule that reported it and the
/// rule's tags.
type Audit = (Map<String, Json>, Option<String>, Vec<String>);

fn audit_event(obj: &Map<String, Json>) -> Option<Audit> {
    // The API server's own log line.
    if mtext(obj, "kind") == Some("Event")
        && mtext(obj, "apiVersion").is_some_and(|v| v.starts_with("audit.k8s.io/"))
    {
        return Some((obj.clone(), None, Vec::new()));
    }
    // Elastic's integration: the event under `kubernetes.audit` (nested or with dotted keys;
    // the document is expanded only when it has such a key, this reader runs on every alert).
    if obj.keys().any(|k| k.starts_with("kubernetes"))
        && let Some(Json::Object(a)) = super::get_path(
            &Json::Object(super::expand(obj.clone())),
            "kubernetes.audit",
        )
        && a.contains_key("objectRef")
    {
        let rule = obj
            .get("rule")
            .and_then(|r| text(r, "name"))
            .or_else(|| mtext(obj, "rule.name"))
            .map(str::to_owned);
        return Some((a.clone(), rule, Vec::new()));
    }
    // Falco's k8s_audit plugin: the fields it extracted, by their `ka.` names.
    let f = obj.get("output_fields")?.as_object()?;
    if mtext(obj, "source") != Some("k8s_audit") && !f.keys().any(|k| k.starts_with("ka.")) {
        return None;
    }
    let get = |k: &str| mtext(f, k);
    let mut a = Map::new();
    let mut object = Map::new();
    for (from, to) in [
        ("ka.target.resource", "resource"),
        ("ka.target.subresource", "subresource"),
        ("ka.target.namespace", "namespace"),
        ("ka.target.name", "name"),
    ] {
        if let Some(v) = get(from) {
            object.insert(to.into(), s(v));
        }
    }
    a.insert("objectRef".into(), Json::Object(object));
    if let Some(u) = get("ka.uri") {
        a.insert("requestURI".into(), s(u));
    }
    if let Some(v) = get("ka.verb") {
        a.insert("verb".into(), s(v));
    }
    let mut user = Map::new();
    if let Some(u) = get("ka.user.name") {
        user.insert("username".into(), s(u));
    }
    if let Some(g) = f.get("ka.user.groups").filter(|g| g.is_array()) {
        user.insert("groups".into(), g.clone());
    }
    a.insert("user".into(), Json::Object(user));
    if let Some(ips) = f.get("ka.sourceips") {
        let ips = match ips {
            Json::String(s) => json!([s]),
            other => other.clone(),
        };
        a.insert("sourceIPs".into(), ips);
    }
    if let Some(ua) = get("ka.useragent") {
        a.insert("userAgent".into(), s(ua));
    }
    if let Some(c) = f
        .get("ka.response.code")
        .and_then(|c| c.as_i64().or_else(|| c.as_str()?.parse().ok()))
    {
        a.insert("responseStatus".into(), json!({ "code": c }));
    }
    let mut annotations = Map::new();
    if let Some(d) = get("ka.auth.decision") {
        annotations.insert("authorization.k8s.io/decision".into(), s(d));
    }
    if let Some(r) = get("ka.auth.reason") {
        annotations.insert("authorization.k8s.io/reason".into(), s(r));
    }
    a.insert("annotations".into(), Json::Object(annotations));
    if let Some(id) = get("ka.auditid") {
        a.insert("auditID".into(), s(id));
    }
    if let Some(t) = mtext(obj, "time") {
        a.insert("requestReceivedTimestamp".into(), s(t));
    }
    let tags = obj
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(str::to_uppercase)
        .collect();
    Some((a, mtext(obj, "rule").map(str::to_owned), tags))
}

/// A query-string value: `+` for a space (how the Go client encodes one), then `%XX` escapes.
fn url_decode(v: &str) -> String {
    let spaced = v.replace('+', " ");
    super::siem::percent_decoded(&spaced).unwrap_or(spaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pod_exec_is_read_as_the_command_it_ran() {
        // The API server's audit line.
        let raw = json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": "a-1",
            "stage": "ResponseStarted", "verb": "create",
            "requestURI": "/api/v1/namespaces/shop/pods/api-7d9/exec?command=sh&command=-c&command=cat+%2Fetc%2Fpasswd&container=app&stdin=true",
            "user": {"username": "system:serviceaccount:ci:runner", "groups": ["system:serviceaccounts"]},
            "sourceIPs": ["10.244.1.7"], "userAgent": "kubectl/v1.30.1",
            "objectRef": {"resource": "pods", "namespace": "shop", "name": "api-7d9", "apiVersion": "v1", "subresource": "exec"},
            "responseStatus": {"code": 101}, "requestReceivedTimestamp": "2025-03-19T09:08:27.512340Z",
            "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"x\" of ClusterRole \"cluster-admin\""}});
        let (e, id) = kubernetes_exec(raw.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("a-1"));
        assert_eq!(e["process"]["command_line"], "sh -c 'cat /etc/passwd'");
        assert_eq!(e["process"]["args"], json!(["sh", "-c", "cat /etc/passwd"]));
        assert_eq!(e["process"]["name"], "sh");
        assert_eq!(e["host"]["name"], "api-7d9");
        assert_eq!(e["container"]["name"], "app");
        assert_eq!(e["user"]["name"], "system:serviceaccount:ci:runner");
        assert_eq!(e["source"]["ip"], "10.244.1.7");
        assert_eq!(e["event"]["outcome"], "success");
        assert_eq!(e["kubernetes"]["audit"]["objectRef"]["namespace"], "shop");
        // Falco's k8s_audit alert of the same request.
        let falco = json!({"rule": "Attach/Exec Pod", "priority": "Notice", "source": "k8s_audit", "time": "2025-03-19T09:08:27Z",
            "tags": ["k8s", "T1609"], "output_fields": {"ka.auditid": "a-2", "ka.target.resource": "pods", "ka.target.subresource": "exec",
                "ka.target.namespace": "argocd", "ka.target.name": "argocd-0", "ka.user.name": "system:serviceaccount:r:gen",
                "ka.uri": "/api/v1/namespaces/argocd/pods/argocd-0/exec?command=cat&command=%2Fvar%2Frun%2Fsecrets%2Fkubernetes.io%2Fserviceaccount%2Ftoken",
                "ka.sourceips": ["10.244.3.17"], "ka.auth.decision": "allow", "ka.response.code": "101"}});
        let (f, id) = kubernetes_exec(falco.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("a-2"));
        assert_eq!(
            f["process"]["command_line"],
            "cat /var/run/secrets/kubernetes.io/serviceaccount/token"
        );
        assert_eq!(f["rule"]["name"], "Attach/Exec Pod");
        assert_eq!(f["threat"]["technique"]["id"], json!(["T1609"]));
        assert_eq!(
            f["kubernetes"]["audit"]["user"]["username"],
            "system:serviceaccount:r:gen"
        );
        // Elastic's integration keeps the event under kubernetes.audit; a pod listing is not an exec.
        let elastic = json!({"kubernetes": {"audit": {"objectRef": {"resource": "pods", "name": "p", "subresource": "attach"},
            "requestURI": "/api/v1/namespaces/d/pods/p/attach?container=c", "user": {"username": "alice@corp.example"}}}});
        let (g, _) = kubernetes_exec(elastic.as_object().unwrap()).unwrap();
        assert_eq!(g["event"]["action"], "attach");
        assert!(g.get("process").is_none());
        let list = json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "verb": "list", "objectRef": {"resource": "pods"}});
        assert!(kubernetes_exec(list.as_object().unwrap()).is_none());
        // Escapes decode; a broken one stays as it was.
        assert_eq!(url_decode("a%20b+c%2"), "a b c%2");
        assert_eq!(url_decode("%zz%41"), "%zzA");
    }
}
