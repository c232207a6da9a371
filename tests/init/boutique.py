"""A reduced Online Boutique `kubernetes-manifests/` folder, written by hand in its shape: gRPC
services naming each other in `*_ADDR=host:port` variables, images with no `command`, a
`redis-cart` data store, a `frontend-external` LoadBalancer, and a `loadgenerator` that the
kustomization leaves out (its locustfile in `src/loadgenerator/`)."""

from __future__ import annotations

from pathlib import Path


def deployment(
    name: str, port: int, env: dict[str, str], image: str | None = None, grpc_probe: bool = False
) -> str:
    variables = "".join(f'        - name: {k}\n          value: "{v}"\n' for k, v in env.items())
    return (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  selector:\n    matchLabels:\n      app: {name}\n"
        f"  template:\n    metadata:\n      labels:\n        app: {name}\n"
        "    spec:\n      containers:\n      - name: server\n"
        f"        image: {image or name}\n"
        f"        ports:\n        - containerPort: {port}\n"
        + (
            f"        readinessProbe:\n          grpc:\n            port: {port}\n"
            if grpc_probe
            else ""
        )
        + (f"        env:\n{variables}" if env else "")
        + "---\n"
        "apiVersion: v1\nkind: Service\n"
        f"metadata:\n  name: {name}\n"
        f"spec:\n  type: ClusterIP\n  selector:\n    app: {name}\n"
        f"  ports:\n  - name: grpc\n    port: {port}\n    targetPort: {port}\n"
    )


FILES = {
    "frontend.yaml": deployment(
        "frontend",
        8080,
        {
            "PORT": "8080",
            "PRODUCT_CATALOG_SERVICE_ADDR": "productcatalogservice:3550",
            "CART_SERVICE_ADDR": "cartservice:7070",
            "CHECKOUT_SERVICE_ADDR": "checkoutservice:5050",
        },
    )
    + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: frontend-external\n"
    "spec:\n  type: LoadBalancer\n  selector:\n    app: frontend\n"
    "  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n",
    "productcatalogservice.yaml": deployment(
        "productcatalogservice", 3550, {"PORT": "3550"}, grpc_probe=True
    ),
    "cartservice.yaml": deployment("cartservice", 7070, {"REDIS_ADDR": "redis-cart:6379"})
    + "---\n"
    + deployment("redis-cart", 6379, {}, image="redis:alpine"),
    "checkoutservice.yaml": deployment(
        "checkoutservice",
        5050,
        {
            "PORT": "5050",
            "PRODUCT_CATALOG_SERVICE_ADDR": "productcatalogservice:3550",
            "CART_SERVICE_ADDR": "cartservice:7070",
        },
    ),
    "loadgenerator.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: loadgenerator\n"
        "spec:\n  template:\n    metadata:\n      labels:\n        app: loadgenerator\n"
        "    spec:\n      containers:\n      - name: main\n        image: loadgenerator\n"
        '        env:\n        - name: FRONTEND_ADDR\n          value: "frontend:80"\n'
    ),
    "kustomization.yaml": (
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        " - frontend.yaml\n - productcatalogservice.yaml\n - cartservice.yaml\n"
        "# - loadgenerator.yaml\n - checkoutservice.yaml\n"
    ),
}


def write_boutique(root: Path) -> Path:
    """The manifests folder under `root`, and the locustfile where the project keeps it."""
    manifests = root / "kubernetes-manifests"
    manifests.mkdir(parents=True)
    for name, text in FILES.items():
        (manifests / name).write_text(text)
    locust = root / "src" / "loadgenerator"
    locust.mkdir(parents=True)
    (locust / "locustfile.py").write_text("from locust import FastHttpUser\n")
    return manifests
