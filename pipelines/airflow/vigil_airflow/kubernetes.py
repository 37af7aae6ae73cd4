"""VigilPodOperator: one vigil command in its own Kubernetes pod (KubernetesPodOperator).

Imported only when the DAGs are built with the `kubernetes` variant, so the cncf.kubernetes
provider is needed only there.
"""

from __future__ import annotations

from collections.abc import Sequence

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

from .command import Flag, command_name, drop_empty_flags, optional_positions, vigil_argv
from .compat import AirflowSkipException
from .exits import SKIP_EXIT_CODE, check_as_of, check_shard, failure, skip_message
from .settings import AS_OF, VIGIL_BIN, VIGIL_CONFIG, VIGIL_IMAGE, VIGIL_NAMESPACE, k8s_secret

#: Where KubernetesPodOperator's sidecar reads the XCom from (`do_xcom_push=True`).
XCOM_RETURN = "/airflow/xcom/return.json"


class VigilPodOperator(KubernetesPodOperator):
    """Runs `vigil <command> --config C --as-of T [--shard i/N]` as the pod's base container.

    - vigil writes its JSON run summary to /airflow/xcom/return.json; with `do_xcom_push=True`
      the sidecar returns it as the task's XCom (a dict).
    - Exit 99 skips the task (`skip_on_exit_code`); 2, 3 and 4 fail it without retries (the
      container's exit code is read from the pod status); other failures are retried.
    - `termination_message_policy="FallbackToLogsOnError"` puts vigil's last log lines (its
      error) into the task's failure message.
    - Secrets: the keys of the Kubernetes Secret named by VIGIL_K8S_SECRET (DAG processor
      environment; default `vigil-env`) become environment variables (optional: a missing
      Secret is no error). vigil reads secrets from the environment only.

    :param command: the vigil command words and their own flags (templates; a `command.Flag`
        is dropped when it renders empty).
    :param as_of: the `--as-of` template (None: the command takes no `--as-of`).
    :param shard: `i/N` for one scoring shard (mapped with `.expand(shard=...)`).
    """

    template_fields: Sequence[str] = (*KubernetesPodOperator.template_fields, "as_of")

    def __init__(
        self,
        *,
        command: Sequence[str],
        as_of: str | None = AS_OF,
        shard: str | None = None,
        vigil_bin: str = VIGIL_BIN,
        config: str = VIGIL_CONFIG,
        **kwargs,
    ) -> None:
        argv = [*vigil_argv(command, config=config, as_of=as_of, shard=shard), "--summary-json", XCOM_RETURN]
        kwargs.setdefault("image", VIGIL_IMAGE)
        kwargs.setdefault("namespace", VIGIL_NAMESPACE)
        kwargs.setdefault("name", "vigil-" + "-".join(command_name(command).split()))
        kwargs.setdefault("labels", {"app.kubernetes.io/name": "vigil"})
        kwargs.setdefault(
            "env_from",
            [k8s.V1EnvFromSource(secret_ref=k8s.V1SecretEnvSource(name=k8s_secret(), optional=True))],
        )
        kwargs.setdefault("do_xcom_push", True)
        kwargs.setdefault("skip_on_exit_code", SKIP_EXIT_CODE)
        kwargs.setdefault("termination_message_policy", "FallbackToLogsOnError")
        kwargs.setdefault("get_logs", True)
        super().__init__(cmds=[vigil_bin], arguments=[*argv], **kwargs)
        self.command = list(command)
        self.as_of = as_of
        self.shard = shard
        self._optional = optional_positions(argv)

    def execute(self, context):
        if self.as_of is not None:
            check_as_of(self.as_of, self.task_id)
        check_shard(self.shard, self.task_id)
        self.arguments = self.final_arguments()
        return super().execute(context)

    def final_arguments(self) -> list[str]:
        """The rendered arguments without the optional flags that rendered empty."""
        return drop_empty_flags(self.arguments, self._optional)

    def cleanup(self, pod, remote_pod, *args, **kwargs):
        name = command_name(self.command)
        try:
            return super().cleanup(pod, remote_pod, *args, **kwargs)
        except AirflowSkipException as skip:
            raise AirflowSkipException(skip_message(name, None)) from skip
        except Exception as err:
            code = base_exit_code(remote_pod, self.base_container_name)
            if code in (None, 0, SKIP_EXIT_CODE):
                raise
            raise failure(name, code, None, detail=str(err)) from err


def base_exit_code(remote_pod, container: str) -> int | None:
    """The exit code of the pod's base container, when it terminated."""
    statuses = (getattr(getattr(remote_pod, "status", None), "container_statuses", None)) or []
    for s in statuses:
        if s.name == container and s.state and s.state.terminated:
            return s.state.terminated.exit_code
    return None


__all__ = ["Flag", "VigilPodOperator", "XCOM_RETURN", "base_exit_code"]
