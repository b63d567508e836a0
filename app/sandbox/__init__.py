"""The TRS sandbox: a small, separate web server that behaves like the TRS API (docs/trs-contract.md).

Run it with `python -m app.sandbox --port 5001 [--db PATH] [--host 127.0.0.1] [--no-seed]`; it
prints `TRS sandbox listening on http://HOST:PORT` once it is serving. State lives in its own
SQLite file (default `instance/trs-sandbox.sqlite` under the current directory). It never imports
the console's app or models; it shares only `app.demo` (the demo teachers, seeded into an empty
database) and `app.clock`.

API keys
--------
`TRS_SANDBOX_API_KEYS` lists keys and their roles: `KEY:ROLE[+ROLE],KEY:ROLE...`, roles from
`GetPerson` and `SetCpdInduction`, e.g. `cpd:GetPerson+SetCpdInduction,reader:GetPerson`. When it is
unset, the development keys apply: `sandbox-cpd-key` (GetPerson, SetCpdInduction) and
`sandbox-read-key` (GetPerson). No key or an unknown key: 401; a key without the role: 403.

The TRS API (`/v3/`, needs a key)
---------------------------------
- `GET /v3/persons/{trn}?include=Induction` (role GetPerson) -> 200 person JSON.
- `PUT /v3/persons/{trn}/cpd-induction` (role SetCpdInduction) -> 204.

Order of handling: injected faults; then the `X-Api-Version` route match; then the key (401/403);
then the body (415 not JSON, 400 unreadable); then TRS's own checks, in TRS's order: status
(10035), start date required (10036) / not permitted (10038), completed date required (10037) /
not permitted (10039), person (404 10001), QTS (400 10034), stale `modifiedOn` (409 10033;
equal is accepted). Errors are ProblemDetails (`application/problem+json`:
`{title, status, detail, errorCode?}`).

`X-Api-Version`: 20250203, 20250327, 20250425, 20250627, 20250804, 20250905 and 20260120 are
served. From 20250627 the induction carries `exemptionReasons`. From 20260120 a deactivated record
is 410 and a merged one is 308 with `Location: /v3/persons/{retainedTrn}` and a JSON body naming it
(`mergedWithTrn`); before, both are 404 10001.

Exempt priority: the TRS console's induction (with its exemption reasons) and CPD's are stored
apart; TRS shows Exempt while CPD sends InProgress or RequiredToComplete, and CPD's Passed or
Failed override it. Otherwise whichever side wrote last is shown.

Where the contract is silent (facts from the public TRS code)
-----------------------------------------------------------
- No `X-Api-Version`: TRS serves the request as its default version 20240101
  (RequestedVersionFeature); a value that is not a declared version matches no endpoint
  (docs/api-versioning.md). Neither endpoint exists before 20250203 (CHANGELOG), so all three are
  a 404 without an errorCode (TRS sends an empty 404; the sandbox adds a `detail` saying why).
  Declared versions 20240606 to 20240920 did serve an older shape of the GET; the sandbox does not
  model it and answers 404 there too.
- Routing comes before authorisation (ASP.NET), so a bad version is 404 even without a key.
- A malformed TRN is not checked by TRS (GetPerson/SetCpdInductionStatus look it up and find
  nobody): 404 10001, after the body checks for a PUT.
- A body ASP.NET cannot bind (bad JSON, a status that is not one of TRS's seven names, a date not
  `yyyy-MM-dd`, missing `status`/`modifiedOn`) is 400 "One or more validation errors occurred."
  with `errors` and no errorCode; one of the seven names that CPD may not set (None, Exempt,
  FailedInWales) is 10035. A non-JSON content type is 415.
- Titles and details are TRS's: "Person not found." / "TRN: '...'", "Invalid induction status." /
  "Status: '...'", "Request is stale.", "Person does not have QTS.".
- Deactivated and merged before 20260120: the contract's plain 404 10001 (TRS itself keeps its
  RecordIsDeactivated/RecordIsMerged codes on that 404; their numbers are not public). 410 and
  308 carry no errorCode for the same reason.
- A PUT for a deactivated or merged record is 404 10001 in every version (TRS's handler only finds
  active records; only the GET gained 410/308 in 20260120).
- Merges are followed to the last record; a merge into a deactivated record reads as deactivated.
- Exemption reasons stay listed after CPD's Passed/Failed overrides Exempt (TRS keeps them on the
  person).

The `/_sandbox/` area (no key; tests and demos only, never the console's client)
---------------------------------------------------------------------------------
- `GET  /_sandbox/health` -> 200.
- `GET  /_sandbox/persons` -> every person: trn, status, dates, exemptionReasonIds, trsStatus,
  cpdStatus and dates, lastModifiedOn (the last accepted CPD `modifiedOn`), deactivated, mergedInto.
- `GET  /_sandbox/persons/{trn}` -> one person, the same shape.
- `POST /_sandbox/persons` `{trn, firstName, middleName?, lastName, dateOfBirth, qtsDate|null,
  induction?: {status, startDate, completedDate, exemptionReasonIds}}` -> 201 (409 if the TRN
  exists). Without `induction`: RequiredToComplete with QTS, None without.
- `POST /_sandbox/persons/bulk` `[person, ...]` -> 201 `{created}`, one `executemany`.
- `PUT  /_sandbox/persons/{trn}/induction` `{status, startDate?, completedDate?,
  exemptionReasonIds?}`: act as the TRS console (any of the seven statuses, any dates; reason ids
  must be TRS's, Exempt needs one, only Exempt has them) -> 200.
- `POST /_sandbox/persons/{trn}/deactivate`, `POST /_sandbox/persons/{trn}/merge` `{"into": trn}`.
- `GET  /_sandbox/persons/{trn}/cpd-requests` ->
  `{requests: [{seq, trn, receivedAt, body, requestId}]}`: every accepted PUT in order
  (`requestId`: its `X-Request-Id` header); `GET /_sandbox/cpd-requests?since=SEQ` the same for
  all persons.
- `GET  /_sandbox/exemption-reasons` -> TRS's reasons (from app/data/trs-exemption-reasons.csv).
- `POST /_sandbox/faults` `{status?, drop?, latency_ms?, retry_after?, count? | share?, method?,
  seed?}` -> 201; `GET /_sandbox/faults` (what remains); `DELETE /_sandbox/faults`. See
  `app.sandbox.faults`.
- `POST /_sandbox/reset` (`{"seed": false}` to leave it empty; `{"today": "yyyy-MM-dd"}` to date
  the demo teachers from another day, as a test's fixed clock does) clears persons, the PUT log
  and faults, then seeds the demo teachers.
"""

from app.sandbox.server import create_sandbox_app

__all__ = ["create_sandbox_app"]
