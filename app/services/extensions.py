"""Adding, changing and deleting a teacher's extensions.

The rule set has one action for extensions, `add_extension` (docs/domain.md: allowed while the
induction is in progress). Changing or deleting an extension is answered by the same rule: each is
a correction of the extra terms an induction in progress has, so the same conditions apply (no
extension work after a pass; after a fail, extensions come from an appeal decision). A change or an
add is asked with its new number of terms; a delete only whether the action is available at all.
"""

from __future__ import annotations

from decimal import Decimal

from app.models import Extension, Teacher
from app.services.casework import Case, NotFound, Outcome, Submission, change_cpd, terms_words

ACTION = "add_extension"


def find_extension(case: Case, extension_id: int) -> Extension:
    """The teacher's extension with this id, or NotFound (another teacher's id is not found)."""
    for extension in case.teacher.extensions if case.teacher else ():
        if extension.id == extension_id:
            return extension
    raise NotFound(f"extension {extension_id}")


def add_extension(submission: Submission, number_of_terms: Decimal) -> Outcome:
    now = submission.clock.now()

    def write(teacher: Teacher) -> str:
        teacher.extensions.append(Extension(number_of_terms=number_of_terms, created_at=now))
        return f"Extension of {terms_words(number_of_terms)} added"

    change = {"number_of_terms": number_of_terms}
    return change_cpd(submission, ACTION, lambda case: change, write)


def edit_extension(submission: Submission, extension_id: int, number_of_terms: Decimal) -> Outcome:
    def write(teacher: Teacher) -> str:
        extension = _extension_of(teacher, extension_id)
        was = extension.number_of_terms
        extension.number_of_terms = number_of_terms
        return f"Extension changed from {terms_words(was)} to {terms_words(number_of_terms)}"

    def change(case: Case) -> dict[str, object]:
        find_extension(case, extension_id)
        return {"number_of_terms": number_of_terms}

    return change_cpd(submission, ACTION, change, write)


def delete_extension(submission: Submission, extension_id: int) -> Outcome:
    def write(teacher: Teacher) -> str:
        extension = _extension_of(teacher, extension_id)
        teacher.extensions.remove(extension)
        return f"Extension of {terms_words(extension.number_of_terms)} deleted"

    def change(case: Case) -> None:
        find_extension(case, extension_id)  # NotFound unless it is this teacher's
        return None  # asked only whether extensions may be worked on now

    return change_cpd(submission, ACTION, change, write)


def _extension_of(teacher: Teacher, extension_id: int) -> Extension:
    return next(e for e in teacher.extensions if e.id == extension_id)
