"""GET /v3/persons/{trn}?include=Induction: the client's reading of the sandbox's answers."""

from __future__ import annotations

from datetime import date

import pytest

from app.demo import PASSED_IN_NORTHERN_IRELAND, PASSED_IN_WALES, demo_teachers
from app.trs.errors import (
    TrsDeactivated,
    TrsEndpointNotFound,
    TrsMerged,
    TrsNotFound,
    TrsUnauthorised,
)
from app.trs.person import ExemptionReason, TrsInduction, TrsPerson
from tests.support.sandbox import CPD_KEY, READ_KEY

CURRENT = {"Authorization": f"Bearer {CPD_KEY}", "X-Api-Version": "20260120"}


def test_reads_a_person_with_induction(sandbox_admin, trs_client):
    sandbox_admin.create_person(
        "2000001",
        firstName="Nia",
        middleName="Mair",
        lastName="Jones",
        dateOfBirth="1994-03-02",
        qtsDate="2023-07-20",
        induction={"status": "InProgress", "startDate": "2023-09-04"},
    )

    person = trs_client().get_person("2000001")

    assert person == TrsPerson(
        trn="2000001",
        first_name="Nia",
        middle_name="Mair",
        last_name="Jones",
        date_of_birth=date(1994, 3, 2),
        qts_date=date(2023, 7, 20),
        induction=TrsInduction("InProgress", date(2023, 9, 4), None, ()),
    )
    assert person.full_name == "Nia Mair Jones"


def test_a_read_only_key_may_read(sandbox_admin, trs_client):
    sandbox_admin.create_person("2000002", firstName="Owen")
    assert trs_client(READ_KEY).get_person("2000002").first_name == "Owen"


def test_no_qts_reads_as_none_and_the_json_is_as_design_5(sandbox_admin, trs_client, raw):
    sandbox_admin.create_person("2000003", qtsDate=None, lastName="Price")

    person = trs_client().get_person("2000003")
    body = raw.get("/v3/persons/2000003", params={"include": "Induction"}, headers=CURRENT).json()

    assert person.qts_date is None
    assert person.induction == TrsInduction("None")
    assert body == {
        "trn": "2000003",
        "firstName": "Test",
        "middleName": "",
        "lastName": "Price",
        "dateOfBirth": "1990-01-01",
        "qts": None,
        "qtlsStatus": "None",
        "induction": {
            "status": "None",
            "startDate": None,
            "completedDate": None,
            "exemptionReasons": [],
        },
    }


def test_qts_carries_holds_from_and_routes(sandbox_admin, raw):
    sandbox_admin.create_person("2000004", qtsDate="2021-07-01")
    body = raw.get("/v3/persons/2000004", headers=CURRENT).json()
    assert body["qts"] == {"holdsFrom": "2021-07-01", "routes": []}


def test_induction_only_when_included(sandbox_admin, raw):
    sandbox_admin.create_person("2000005")
    without = raw.get("/v3/persons/2000005", headers=CURRENT).json()
    included = raw.get("/v3/persons/2000005?include=induction", headers=CURRENT).json()
    assert "induction" not in without
    assert included["induction"]["status"] == "RequiredToComplete"


def test_an_unknown_include_is_a_400(sandbox_admin, raw):
    response = raw.get("/v3/persons/1000001?include=Bananas", headers=CURRENT)
    assert response.status_code == 400
    assert "include" in response.json()["errors"]


def test_exemption_reasons_come_with_trs_names(sandbox_admin, trs_client):
    sandbox_admin.create_person(
        "2000006",
        induction={"status": "Exempt", "exemptionReasonIds": [PASSED_IN_WALES]},
    )
    induction = trs_client().get_person("2000006").induction
    assert induction == TrsInduction(
        "Exempt",
        exemption_reasons=(ExemptionReason(PASSED_IN_WALES, "They passed induction in Wales"),),
    )


def test_unknown_trn_is_not_found_10001(sandbox_admin, trs_client):
    with pytest.raises(TrsNotFound) as raised:
        trs_client().get_person("9999999")
    error = raised.value
    assert (error.status, error.error_code, error.title) == (404, 10001, "Person not found.")
    assert error.trn == "9999999"
    assert "9999999" in error.message
    assert error.retryable is False


def test_a_malformed_trn_finds_nobody_as_in_trs(sandbox_admin, raw):
    # TRS checks no TRN format on this route: the lookup simply finds nobody.
    response = raw.get("/v3/persons/12AB", headers=CURRENT)
    assert response.status_code == 404
    assert response.json()["errorCode"] == 10001


def test_deactivated_is_410(sandbox_admin, trs_client, raw):
    sandbox_admin.create_person("2000007")
    sandbox_admin.deactivate("2000007")

    with pytest.raises(TrsDeactivated) as raised:
        trs_client().get_person("2000007")

    assert raised.value.status == 410
    response = raw.get("/v3/persons/2000007", headers=CURRENT)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 410


def test_merged_is_308_naming_the_retained_trn(sandbox_admin, trs_client, raw):
    sandbox_admin.create_person("2000008")
    sandbox_admin.create_person("2000009")
    sandbox_admin.merge("2000008", into="2000009")

    with pytest.raises(TrsMerged) as raised:
        trs_client().get_person("2000008")

    assert raised.value.status == 308
    assert raised.value.retained_trn == "2000009"
    assert "2000009" in raised.value.message
    response = raw.get("/v3/persons/2000008?include=Induction", headers=CURRENT)
    assert response.status_code == 308
    assert response.headers["location"] == "/v3/persons/2000009"
    assert response.json()["mergedWithTrn"] == "2000009"


def test_merges_are_followed_to_the_last_record(sandbox_admin, trs_client):
    for trn in ("2000010", "2000011", "2000012"):
        sandbox_admin.create_person(trn)
    sandbox_admin.merge("2000010", into="2000011")
    sandbox_admin.merge("2000011", into="2000012")
    with pytest.raises(TrsMerged) as raised:
        trs_client().get_person("2000010")
    assert raised.value.retained_trn == "2000012"


def test_merged_into_a_deactivated_record_is_deactivated(sandbox_admin, trs_client):
    sandbox_admin.create_person("2000013")
    sandbox_admin.create_person("2000014")
    sandbox_admin.merge("2000013", into="2000014")
    sandbox_admin.deactivate("2000014")
    with pytest.raises(TrsDeactivated):
        trs_client().get_person("2000013")


@pytest.mark.parametrize("version", ["20250203", "20250627", "20250905"])
def test_before_20260120_deactivated_and_merged_are_plain_404(sandbox_admin, trs_client, version):
    sandbox_admin.create_person("2000015")
    sandbox_admin.create_person("2000016")
    sandbox_admin.deactivate("2000015")
    sandbox_admin.merge("2000016", into="1000001")
    client = trs_client(api_version=version)

    for trn in ("2000015", "2000016"):
        with pytest.raises(TrsNotFound) as raised:
            client.get_person(trn)
        assert (raised.value.status, raised.value.error_code) == (404, 10001)


def test_exemption_reasons_only_from_20250627(sandbox_admin, trs_client, raw):
    sandbox_admin.create_person(
        "2000017",
        induction={"status": "Exempt", "exemptionReasonIds": [PASSED_IN_NORTHERN_IRELAND]},
    )
    old = {**CURRENT, "X-Api-Version": "20250203"}
    new = {**CURRENT, "X-Api-Version": "20250627"}

    old_body = raw.get("/v3/persons/2000017?include=Induction", headers=old).json()
    new_body = raw.get("/v3/persons/2000017?include=Induction", headers=new).json()

    assert old_body["induction"] == {"status": "Exempt", "startDate": None, "completedDate": None}
    assert new_body["induction"]["exemptionReasons"] == [
        {
            "inductionExemptionReasonId": PASSED_IN_NORTHERN_IRELAND,
            "name": "They passed induction in Northern Ireland",
        }
    ]
    assert trs_client(api_version="20250203").get_person("2000017").induction == TrsInduction(
        "Exempt"
    )


@pytest.mark.parametrize("version", [None, "20240606", "20240101", "2026-01-20", "latest"])
def test_a_missing_old_or_garbled_version_matches_no_endpoint(sandbox_admin, raw, version):
    headers = {"Authorization": f"Bearer {CPD_KEY}"}
    if version is not None:
        headers["X-Api-Version"] = version
    response = raw.get("/v3/persons/1000001", headers=headers)
    assert response.status_code == 404
    assert "errorCode" not in response.json()


def test_the_client_reports_a_wrong_version_as_a_setup_fault_not_a_missing_teacher(
    sandbox_admin, trs_client
):
    with pytest.raises(TrsEndpointNotFound) as raised:
        trs_client(api_version="20240101").get_person("1000001")
    assert not isinstance(raised.value, TrsNotFound)
    assert raised.value.error_code is None


def test_a_wrong_key_is_401(sandbox_admin, trs_client, raw):
    with pytest.raises(TrsUnauthorised) as raised:
        trs_client("not-a-key").get_person("1000001")
    assert raised.value.status == 401
    no_key = raw.get("/v3/persons/1000001", headers={"X-Api-Version": "20260120"})
    assert no_key.status_code == 401
    assert no_key.headers["content-type"].startswith("application/problem+json")
    assert no_key.headers["www-authenticate"] == "Bearer"


def test_reset_seeds_the_demo_teachers_trs_knows(sandbox_admin, trs_client):
    today = date(2026, 11, 2)
    expected = {t.trn: t for t in demo_teachers(today) if t.trs is not None}

    count = sandbox_admin.reset(today=today)
    persons = {p["trn"]: p for p in sandbox_admin.persons()}

    assert count == len(expected) == len(persons)
    assert persons.keys() == expected.keys()
    for trn, teacher in expected.items():
        assert persons[trn]["status"] == teacher.trs.status
        assert persons[trn]["deactivated"] is teacher.deactivated
        assert persons[trn]["mergedInto"] == teacher.merged_into
    client = trs_client()
    exempt = client.get_person("1000005").induction
    assert exempt.status == "Exempt"
    assert exempt.exemption_reasons[0].id == PASSED_IN_NORTHERN_IRELAND
    assert client.get_person("1000001").induction.start_date == (expected["1000001"].trs.start_date)
    with pytest.raises(TrsNotFound):
        client.get_person("1000013")  # CPD holds it; TRS does not
    with pytest.raises(TrsMerged) as merged:
        client.get_person("1000012")
    assert merged.value.retained_trn == "1000001"
    with pytest.raises(TrsDeactivated):
        client.get_person("1000011")
