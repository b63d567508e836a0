"""One run of the import: each teacher in turn, from CPD and TRS to the rules and the write.

Each teacher of the file is taken in turn: already in CPD with the same periods -> unchanged;
with other periods -> reported, never overwritten; otherwise TRS is read (bounded concurrency, one
shared client, no page cache), the periods are put to the rule set, and an allowed teacher is
written whole: Teacher row if new, periods, one import event and its outbox row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.clock import Clock
from app.importing.bodies import Bodies
from app.importing.held import HeldPeriod, HeldTeacher, difference, file_periods, held_in_cpd
from app.importing.judging import AGREES, TRS_SIDE_ONLY, Checked, file_says, judge_teacher
from app.importing.reading import ImportFile, Row
from app.importing.report import (
    CONFLICT,
    DIFFERS,
    IMPORTED,
    MERGED,
    RECORDED_ON_ASSUMED,
    REJECTED,
    TRS_BEHIND,
    TRY_AGAIN,
    UNCHANGED,
    ImportResult,
    ReportEntry,
    lines,
    not_imported_because,
)
from app.importing.trs_lookup import ImportAborted, TrsLookup, lookups, read_trs
from app.importing.writing import BatchWriter, Write
from app.rules import long_date
from app.services.records import build_record
from app.trs.client import TrsClient
from app.trs.gateway import TrsGateway

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 20  # the shared client keeps 20 connections alive


def import_inductions(
    session: Session,
    client: TrsClient,
    clock: Clock,
    file: ImportFile,
    *,
    dry_run: bool = False,
    create_bodies: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int], None] = lambda _n: None,
) -> ImportResult:
    """Check every teacher in `file` against CPD, TRS and the rule set, and (unless `dry_run`)
    write each one allowed; `progress(1)` after each teacher.

    Raises ImportAborted when TRS refuses the console itself; the teachers finished before that
    are committed (each is whole), so a rerun carries on where this one stopped.
    """
    return ImportRun(
        session,
        TrsGateway(client, clock, cache_seconds=0),
        clock,
        file,
        dry_run=dry_run,
        create_bodies=create_bodies,
        concurrency=concurrency,
        progress=progress,
    ).run()


class ImportRun:
    """The loop over the file's teachers and what it has found so far."""

    def __init__(
        self,
        session: Session,
        gateway: TrsGateway,
        clock: Clock,
        file: ImportFile,
        *,
        dry_run: bool,
        create_bodies: bool,
        concurrency: int,
        progress: Callable[[int], None],
    ) -> None:
        self.session = session
        self.gateway = gateway
        self.file = file
        self.dry_run = dry_run
        self.concurrency = concurrency
        self.progress = progress
        self.today = clock.today()
        self.bodies = Bodies(session, create_bodies)
        self.result = ImportResult(file.name, dry_run, file.rows_read, len(file.teachers))
        self.result.entries.extend(file.entries)
        self.bad_lines = {trn: list(numbers) for trn, numbers in file.bad_lines.items()}
        self.claimed: set[str] = set()  # TRNs imported, or found in CPD, in this run
        self.writer = BatchWriter(session, clock, self.bodies, file.name, self._lost)

    def run(self) -> ImportResult:
        self._reject_unknown_bodies()
        if self.bodies.create:
            names = (row.body for rows in self.file.teachers.values() for row in rows)
            self.result.bodies_created = self.bodies.missing(names)
            if not self.dry_run:
                self.bodies.add(self.result.bodies_created)
        good = [trn for trn in self.file.teachers if trn not in self.bad_lines]
        with self._timed("db_read"):
            held = held_in_cpd(self.session, good)
        to_read = [trn for trn in good if not (trn in held and held[trn].periods)]
        readings = lookups(to_read, self._read_trs, self.concurrency)
        try:
            for trn, rows in self.file.teachers.items():
                if trn in self.bad_lines:
                    self._reject_rest(trn, rows)
                elif trn in held and held[trn].periods:
                    self._compare(trn, rows, held[trn].periods)
                else:
                    with self._timed("trs_wait"):
                        lookup = next(readings)
                    self._check(trn, rows, lookup, held.get(trn))
                self.progress(1)
        except ImportAborted:
            if not self.dry_run:
                self.writer.commit()  # every teacher written so far is whole: keep them
            raise
        finally:
            readings.close()
        if not self.dry_run:
            self.writer.commit()
        self.result.timings["db_write"] = self.writer.seconds
        self.result.entries.sort(key=lambda e: e.line)
        return self.result

    def _read_trs(self, trn: str) -> TrsLookup:
        return read_trs(self.gateway, trn)

    # -- what happens to one teacher ----------------------------------------------------------

    def _reject_unknown_bodies(self) -> None:
        for trn, rows in self.file.teachers.items():
            for row in rows:
                problem = self.bodies.problem(row.body)
                if problem:
                    self._entry(row.line, trn, REJECTED, problem)
                    self.bad_lines.setdefault(trn, []).append(row.line)

    def _reject_rest(self, trn: str, rows: list[Row]) -> None:
        """Another of the teacher's rows was rejected, so none of theirs is imported."""
        bad = self.bad_lines[trn]
        for row in rows:
            if row.line not in bad:
                self._entry(row.line, trn, REJECTED, not_imported_because(bad))
        self.result.counts[REJECTED] += 1

    def _check(
        self, trn: str, rows: list[Row], lookup: TrsLookup, held: HeldTeacher | None
    ) -> None:
        """A teacher CPD holds no periods for: TRS, then the rules, then (allowed) the write."""
        reading, retained = lookup
        prefix = f"TRS has merged TRN {trn} into {retained}. " if retained else ""
        if retained and retained in self.file.teachers:
            self._conflict(
                rows,
                trn,
                f"{prefix}The file also has rows for {retained}: put all "
                f"of this teacher's periods under {retained}.",
            )
            return
        if retained:
            with self._timed("db_read"):
                held = held_in_cpd(self.session, [retained]).get(retained)
            if held and held.periods:
                self._merge_note(rows, trn, retained)
                self._compare(retained, rows, held.periods, prefix)
                return
        if reading.state == "unavailable":
            self._try_again(
                rows,
                trn,
                f"{prefix}TRS could not be read: {reading.problem} Run the "
                "file again later: teachers already imported are left as they are.",
            )
            return
        target = retained or trn
        if target in self.claimed:
            self._conflict(
                rows,
                trn,
                f"{prefix}Another TRN in this file was also merged into "
                f"{target}: put all of this teacher's periods under {target}.",
            )
            return
        with self._timed("rules"):
            checked = judge_teacher(build_record(None, reading), rows, self.today)
        if not checked.allowed:
            self._refuse(trn, rows, checked, prefix)
            return
        if retained:
            self._merge_note(rows, trn, retained)
        self.claimed.add(target)
        self.result.counts[IMPORTED] += 1
        self._imported_note(trn, rows, checked)
        if not self.dry_run:
            self.writer.add(Write(target, rows, checked, held.teacher_id if held else None))

    def _imported_note(self, trn: str, rows: list[Row], checked: Checked) -> None:
        """Say what the import did beyond copying the file: TRS was behind and is sent CPD's
        status, or the correction window counts from the outcome's date."""
        decision, record = checked.decision, checked.record
        notes = []
        if decision.rule_id != AGREES:
            notes.append(decision.reason)
            self.result.counts[TRS_BEHIND] += 1
        if record.outcome and not any(r.recorded_on for r in rows):
            notes.append(
                "outcome_recorded_on is blank, so the correction window counts from the "
                f"outcome's own date, {long_date(record.outcome_date)}: an outcome imported "
                "today gains no fresh window to be reopened in."
            )
            self.result.counts[RECORDED_ON_ASSUMED] += 1
        if notes:
            self._teacher_entry(rows, trn, IMPORTED, " ".join(notes), decision.rule_id)

    def _compare(
        self, trn: str, rows: list[Row], cpd: tuple[HeldPeriod, ...], prefix: str = ""
    ) -> None:
        """CPD already holds periods: the same ones are a no-op, others are reported."""
        if trn in self.claimed:
            self._conflict(
                rows,
                trn,
                f"{prefix}Another TRN in this file is the same teacher in "
                f"TRS ({trn}): put all of this teacher's periods under {trn}.",
            )
            return
        self.claimed.add(trn)
        mine = file_periods(rows, self.bodies)
        if mine == cpd:
            self.result.counts[UNCHANGED] += 1
            return
        self._teacher_entry(
            rows,
            trn,
            DIFFERS,
            f"{prefix}The file differs from CPD, and CPD was not changed. "
            f"{difference(cpd, mine, self.bodies.name_of)} If the file is right, make the change "
            "in the console.",
        )
        self.result.counts[DIFFERS] += 1

    def _refuse(self, trn: str, rows: list[Row], checked: Checked, prefix: str) -> None:
        decision, row = checked.decision, checked.failed_row
        if row is None:  # TRS disagrees with what the file implies
            reason = prefix + decision.reason
            if decision.rule_id in TRS_SIDE_ONLY:
                reason += f" The file has {file_says(rows)}."
            self._conflict(rows, trn, reason, decision.rule_id)
            return
        rule_id = decision.rule_id if decision else ""
        reason = prefix + (decision.reason if decision else checked.problem or "")
        self.result.counts[REJECTED] += 1
        self._entry(row.line, trn, REJECTED, reason, rule_id)
        for each in rows:
            if each is not row:
                self._entry(each.line, trn, REJECTED, not_imported_because([row.line]))

    def _lost(self, write: Write) -> None:
        """CPD changed the teacher while the file was being imported: nothing was written."""
        self.result.counts[IMPORTED] -= 1
        self.claimed.discard(write.trn)
        lines_of_teacher = {r.line for r in write.rows}
        self.result.entries = [
            e
            for e in self.result.entries
            if not (e.result == IMPORTED and e.line in lines_of_teacher)
        ]
        self._try_again(
            write.rows,
            write.trn,
            "CPD changed this teacher while the file was being imported, so nothing was "
            "written for them. Run the file again.",
        )

    @contextmanager
    def _timed(self, what: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.result.timings[what] += time.perf_counter() - started

    # -- report entries -----------------------------------------------------------------------

    def _entry(self, line: int, trn: str, result: str, reason: str, rule_id: str = "") -> None:
        self.result.entries.append(ReportEntry(line, trn, result, reason, rule_id))

    def _teacher_entry(
        self, rows: list[Row], trn: str, result: str, reason: str, rule_id: str = ""
    ) -> None:
        """One entry for the whole teacher, on their first line, naming all their lines."""
        numbers = [r.line for r in rows]
        if len(numbers) > 1:
            reason = f"{reason} (The teacher's rows: {lines(numbers)}.)"
        self._entry(min(numbers), trn, result, reason, rule_id)

    def _conflict(self, rows: list[Row], trn: str, reason: str, rule_id: str = "") -> None:
        self._teacher_entry(rows, trn, CONFLICT, reason, rule_id)
        self.result.counts[CONFLICT] += 1

    def _try_again(self, rows: list[Row], trn: str, reason: str) -> None:
        self._teacher_entry(rows, trn, TRY_AGAIN, reason)
        self.result.counts[TRY_AGAIN] += 1

    def _merge_note(self, rows: list[Row], trn: str, retained: str) -> None:
        self._teacher_entry(
            rows,
            trn,
            MERGED,
            f"TRS has merged TRN {trn} into {retained}, so the "
            f"import uses {retained}. Use {retained} in files from now on.",
        )
        self.result.counts[MERGED] += 1
