"""The KubernetesPodOperator variant without a cluster: the DAGs build, and the pods they
would launch carry the right command line, XCom sidecar, secrets and exit-code handling.

    VIGIL_AIRFLOW_OPERATOR=kubernetes python tests/airflow/check_kpo.py pipelines/airflow

Needs apache-airflow and apache-airflow-providers-cncf-kubernetes in the interpreter (not the
venv test_dag.sh builds: the provider is optional). Launching pods needs a cluster; this
renders the templates as a run at data_interval_end 2026-07-01T00:00Z would and builds the
pod objects the operator would send.
"""

import os
import sys
from datetime import datetime, timezone
from types import SimpleNamespace
from checks import check



def main(dags: str) -> None:
    os.environ["VIGIL_AIRFLOW_OPERATOR"] = "kubernetes"
    sys.path.insert(0, dags)
    from kubernetes.client import models as k8s
    from vigil_airflow.exits import VigilCommandError, VigilFatalError, failure
    from vigil_airflow.factory import build_daily_dag, build_retrain_dag
    from vigil_airflow.kubernetes import VigilPodOperator, base_exit_code

    daily, retrain = build_daily_dag(), build_retrain_dag()
    check(type(daily.get_task("validate")).__name__ == "VigilPodOperator", "validate is not a pod")
    check(type(retrain.get_task("train")).__name__ == "VigilPodOperator", "train is not a pod")

    variables = {
        "vigil_bin": "/usr/local/bin/vigil",
        "vigil_config": "/etc/vigil/prod.toml",
        "vigil_image": "registry.example/vigil:1.2.3",
        "vigil_namespace": "vigil",
    }
    context = {
        "data_interval_end": datetime(2026, 7, 1, tzinfo=timezone.utc),
        "var": {"value": SimpleNamespace(get=lambda k, d=None: variables.get(k, d))},
        "params": {"fail_on_drift": True, "with_feedback": False},
    }

    def pod_of(task):
        task.render_template_fields(context)
        task.arguments = task.final_arguments()  # as execute() does before launching
        return task.build_pod_request_obj(None, dry_run=True)

    # One shard of the mapped score task, as the worker unmaps it.
    score = VigilPodOperator(
        task_id="score_check",
        command=list(daily.get_task("score").partial_kwargs["command"]),
        shard="1/3",
        dag=daily,
    )
    pod = pod_of(score)
    base = next(c for c in pod.spec.containers if c.name == "base")
    args = base.args
    print("score pod:", base.image, base.command, args)
    check(base.image == "registry.example/vigil:1.2.3", base.image)
    check(pod.metadata.namespace == "vigil", pod.metadata.namespace)
    check(base.command == ["/usr/local/bin/vigil"], base.command)
    check(args[:2] == ["score", "--config"], args)
    check(args[args.index("--as-of") + 1] == "2026-07-01T00:00:00+00:00", args)
    check(args[args.index("--shard") + 1] == "1/3", args)
    check(args[args.index("--config") + 1] == "/etc/vigil/prod.toml", args)
    check(args[-2:] == ["--summary-json", "/airflow/xcom/return.json"], args)
    check(any(c.name == "airflow-xcom-sidecar" for c in pod.spec.containers), "no XCom sidecar")
    check(base.termination_message_policy == "FallbackToLogsOnError", base.termination_message_policy)
    check(
        base.env_from[0].secret_ref.name == "vigil-env" and base.env_from[0].secret_ref.optional,
        base.env_from,
    )

    # The optional flags: publish with fail_on_drift on, train with with_feedback off (an
    # empty Flag is dropped, never passed as "").
    pargs = next(c for c in pod_of(daily.get_task("publish")).spec.containers if c.name == "base").args
    print("publish pod:", pargs)
    check(pargs[:2] == ["publish", "--fail-on-drift"], pargs)
    targs = next(c for c in pod_of(retrain.get_task("train")).spec.containers if c.name == "base").args
    print("train pod:", targs)
    check("" not in targs and targs[:2] == ["train", "--config"] and "--with-feedback" not in targs, targs)

    # Exit codes from the pod status.
    def pod_status(code):
        term = k8s.V1ContainerStateTerminated(exit_code=code)
        st = k8s.V1ContainerStatus(
            name="base",
            image="i",
            image_id="",
            ready=False,
            restart_count=0,
            state=k8s.V1ContainerState(terminated=term),
        )
        return k8s.V1Pod(status=k8s.V1PodStatus(container_statuses=[st]))

    check(base_exit_code(pod_status(4), "base") == 4, "exit code from the pod status")
    check(base_exit_code(k8s.V1Pod(), "base") is None, "no status, no exit code")
    check(isinstance(failure("train", 4, None), VigilFatalError), "exit 4 is not retried")
    check(isinstance(failure("score", 137, None), VigilCommandError), "OOM kill is retried")
    print("check_kpo: ok")


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else os.path.join(os.path.dirname(__file__), "../../pipelines/airflow")
    )
