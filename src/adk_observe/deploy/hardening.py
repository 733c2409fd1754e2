"""Hardening values, each named with what it protects against. Renderers use only these names.

They follow the Pod Security Standards "restricted" profile, the CIS Kubernetes benchmark and
checkov's Kubernetes checks; docs/deploy.md explains each one for users.
"""

from __future__ import annotations

from adk_observe import conventions as c

# The readiness path is also the load balancers' default health check (deploy_model).
from adk_observe.deploy_model import READINESS_PATH as READINESS_PATH

# Where in-cluster clients read the service account's token (deploy_model: the loader checks
# that no secret is mounted there).
from adk_observe.deploy_model import SERVICE_ACCOUNT_PATH as SERVICE_ACCOUNT_PATH

# --- Pod Security Admission on the namespace ---
# Enforce (reject), audit and warn at "restricted": a pod that drops any protection below is
# refused by the API server itself, whatever tool created it.
PSA_LEVEL = "restricted"
PSA_VERSION = "latest"
PSA_MODES = ("enforce", "audit", "warn")

# --- identity ---
# No Kubernetes API token in the pod: a compromised agent (prompt injection into a tool, RCE in a
# dependency) cannot talk to the API server as the service account.
AUTOMOUNT_SERVICE_ACCOUNT_TOKEN = False
# With `rbac` rules the agent must reach the API server as its service account, or the Role is
# granted to nobody: the agent's container alone gets what the ServiceAccount admission
# controller would mount (a bound token that expires, the cluster CA, the namespace), read-only,
# in a projected volume where in-cluster clients look for it.
API_ACCESS_VOLUME = "kube-api-access"
API_TOKEN_EXPIRATION_SECONDS = 3607  # what the admission controller asks for; kubelet renews it
API_CA_CONFIGMAP = "kube-root-ca.crt"  # published in every namespace by kube-controller-manager
# Non-root UID/GID at or above 10000: outside the range of host users, so a container escape does
# not land on a real host account (checkov CKV_K8S_40).
MIN_UID = 10000
RUN_AS_NON_ROOT = True
# Mounted volumes (secrets, /tmp) are group-owned by the pod's GID so the non-root user reads them.
FS_GROUP_CHANGE_POLICY = "OnRootMismatch"

# --- container security context ---
# No setuid/setgid escalation (no_new_privs): a setuid binary cannot regain root.
ALLOW_PRIVILEGE_ESCALATION = False
PRIVILEGED = False
# Drop every Linux capability (incl. NET_RAW: no packet spoofing, SYS_ADMIN: no mounts).
DROP_CAPABILITIES = ("ALL",)
# Read-only root filesystem: an attacker cannot drop binaries or alter the image's code at runtime.
READ_ONLY_ROOT_FILESYSTEM = True
# The kernel's default seccomp filter blocks syscalls containers never need (keyctl, ptrace...).
SECCOMP_PROFILE = "RuntimeDefault"
# Always re-check with the registry: pulling a private image proves this pod may use it (a cached
# image cannot be borrowed by another tenant); with a digest the content is still fixed.
IMAGE_PULL_POLICY = "Always"

# --- writable scratch space ---
# The only writable path: an in-memory-limited emptyDir, so a runaway writer cannot fill the node.
TMP_VOLUME = "tmp"
TMP_MOUNT_PATH = "/tmp"
TMP_SIZE_LIMIT = "256Mi"
# Secrets are files, read-only, readable by owner and group only: env vars leak into crash dumps,
# child processes and `kubectl describe`.
SECRET_FILE_MODE = 0o440

# --- probes (reference timings) ---
# Liveness restarts a wedged agent; generous delay so slow model warm-up is not a restart loop.
LIVENESS_PATH = c.HEALTH_PATH
LIVENESS = {
    "initialDelaySeconds": 30,
    "periodSeconds": 10,
    "timeoutSeconds": 5,
    "failureThreshold": 3,
    "successThreshold": 1,
}
# Readiness keeps traffic away from a pod that cannot serve (not warmed up, dependency down).
READINESS = {
    "initialDelaySeconds": 5,
    "periodSeconds": 5,
    "timeoutSeconds": 3,
    "failureThreshold": 3,
    "successThreshold": 1,
}

# --- availability ---
# Rolling update with no capacity loss: one extra pod up before an old one goes.
ROLLING_MAX_SURGE = "25%"
ROLLING_MAX_UNAVAILABLE = 0
MIN_READY_SECONDS = 10
REVISION_HISTORY_LIMIT = 5
PROGRESS_DEADLINE_SECONDS = 600
# At most one pod of the service down for voluntary disruptions (node drains, upgrades).
PDB_MAX_UNAVAILABLE = 1
# Spread over zones (hard: survive a zone outage) and nodes (soft: survive a node loss).
ZONE_KEY = "topology.kubernetes.io/zone"
NODE_KEY = "kubernetes.io/hostname"
TOPOLOGY_MAX_SKEW = 1

# --- autoscaling behaviour (reference policies) ---
# Scale up fast (double, or +4 pods, every 15 s) for bursts of agent traffic...
SCALE_UP = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Percent", "value": 100, "periodSeconds": 15},
        {"type": "Pods", "value": 4, "periodSeconds": 15},
    ],
}
# ...and down slowly (10% a minute after 5 minutes of calm), so long conversations are not cut.
SCALE_DOWN = {
    "stabilizationWindowSeconds": 300,
    "selectPolicy": "Min",
    "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}],
}

# --- network ---
DNS_PORT = 53
HTTPS_PORT = 443
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

# --- load balancers ---
# ALB: TLS 1.2+ only (TLS 1.0/1.1 are broken), HTTP answered with a 301 to HTTPS.
# ALB scheme default, TLS policies, system namespaces, writable paths: deploy_model (the
# loader checks them too).
ALB_TARGET_TYPE = "ip"
ALB_LISTEN_PORTS = '[{"HTTP": 80}, {"HTTPS": 443}]'
ALB_REDIRECT = "443"
# The ALB drops requests with header fields it cannot parse instead of passing them on
# (HTTP request smuggling; checkov CKV_AWS_131).
ALB_DROP_INVALID_HEADERS = "routing.http.drop_invalid_header_fields.enabled"
# GKE: HTTP answered with a 301 to HTTPS (FrontendConfig / the Gateway's redirect route).
GKE_REDIRECT_CODE = "MOVED_PERMANENTLY_DEFAULT"
HTTPS_REDIRECT_STATUS = 301
# GKE: the load balancer's access logs (who reached the service) for every request.
GKE_LOG_SAMPLE_RATE = 1.0
NGINX_FORCE_SSL_REDIRECT = "true"
