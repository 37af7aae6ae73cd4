"""VigilBashOperator: one vigil command on the worker, with vigil's exit codes and summary."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence

from .command import command_name, shell_line, vigil_argv
from .compat import AirflowSkipException, BashOperator
from .exits import SKIP_EXIT_CODE, check_as_of, check_shard, failure, read_summary, skip_message
from .settings import AS_OF, VIGIL_BIN, VIGIL_CONFIG


class VigilBashOperator(BashOperator):
    """Runs `vigil <command> --config C --as-of T [--shard i/N]` with BashOperator.

    - The command line is a normal templated `bash_command` (see it under Rendered Template);
      `--summary-json "$VIGIL_SUMMARY_JSON"` points vigil at a per-try temporary file.
    - XCom (`return_value`) is vigil's JSON run summary as a dict, read from that file: the
      BashOperator's "last line of output" mixes stderr into stdout, and on failure vigil's
      error log line comes after the summary line.
    - Exit 99 skips the task; 2, 3 and 4 fail it without retries; other codes are retried.
    - An `--as-of` that renders empty fails the task before the binary starts.

    :param command: the vigil command words and their own flags, e.g. `["score"]`; each may
        be a template, and a `command.Flag` is dropped when it renders empty.
    :param as_of: the `--as-of` template (None: the command takes no `--as-of`).
    :param shard: `i/N` for one scoring shard (mapped with `.expand(shard=...)`).
    """

    template_fields: Sequence[str] = (*BashOperator.template_fields, "as_of")

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
        argv = vigil_argv(command, config=config, as_of=as_of, shard=shard)
        bash_command = shell_line(vigil_bin, argv) + ' --summary-json "$VIGIL_SUMMARY_JSON"'
        kwargs.setdefault("skip_on_exit_code", SKIP_EXIT_CODE)
        kwargs.setdefault("append_env", True)
        super().__init__(bash_command=bash_command, **kwargs)
        self.command = list(command)
        self.as_of = as_of
        self.shard = shard

    def execute(self, context):
        name = command_name(self.command)
        if self.as_of is not None:
            check_as_of(self.as_of, self.task_id)
        check_shard(self.shard, self.task_id)
        fd, path = tempfile.mkstemp(prefix="vigil-summary-", suffix=".json")
        os.close(fd)
        self.env = {**(self.env or {}), "VIGIL_SUMMARY_JSON": path}
        try:
            try:
                super().execute(context)
            except AirflowSkipException as skip:
                raise AirflowSkipException(skip_message(name, read_summary(path))) from skip
            except Exception as err:
                code = self._exit_code()
                if code in (None, 0, SKIP_EXIT_CODE):
                    raise
                raise failure(name, code, read_summary(path)) from err
            summary = read_summary(path)
            if summary is None:
                self.log.warning("vigil %s wrote no run summary to %s", name, path)
            return summary
        finally:
            os.unlink(path)

    def _exit_code(self) -> int | None:
        """The exit code of the command the subprocess hook ran (None when it never started)."""
        process = getattr(self.subprocess_hook, "sub_process", None)
        return getattr(process, "returncode", None)
