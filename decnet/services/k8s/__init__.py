"""The k8s service: a kube-apiserver's recon endpoints (TLS 6443, an open API on 8080)."""

from decnet.services.k8s.config import K8sConfig
from decnet.services.k8s.service import K8sService

SERVICE = K8sService

__all__ = ["SERVICE", "K8sConfig", "K8sService"]
