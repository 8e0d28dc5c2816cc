"""SKM/IKM API: POST /api/v1/surveys/ and GET /api/v1/ikm/."""

import pytest
from rest_framework.throttling import ScopedRateThrottle

from services import queue
from services.models import SurveyResponse
from tests.services.test_survey_pages import HAND_CHECKED, serve

URL = "/api/v1/surveys/"
IKM = "/api/v1/ikm/"


@pytest.fixture
def done(service_a, counter_a, staff_a):
    return serve(service_a, counter_a, staff_a, 4)


def post(client, ticket, scores, **extra):
    return client.post(
        URL, {"tracking_code": ticket.tracking_code, "scores": scores, **extra}, format="json"
    )


class TestSubmit:
    def test_created_with_profile(self, api_client, done):
        response = post(
            api_client, done[0], HAND_CHECKED[0], sex="L", age_band="20-29", suggestion="Bagus"
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["scores"] == HAND_CHECKED[0]
        assert (body["sex"], body["age_band"], body["channel"]) == ("L", "20-29", "api")
        assert SurveyResponse.objects.get().ticket == done[0]

    def test_second_answer_is_409(self, api_client, done):
        assert post(api_client, done[0], [4] * 9).status_code == 201
        response = post(api_client, done[0], [3] * 9)
        assert response.status_code == 409
        assert response.json()["code"] == "already_answered"

    def test_unfinished_ticket_is_409(self, api_client, service_a):
        waiting = queue.ticket_issue(service=service_a)
        response = post(api_client, waiting, [4] * 9)
        assert response.status_code == 409
        assert response.json()["code"] == "ticket_not_done"

    @pytest.mark.parametrize(
        "scores",
        [[5] + [4] * 8, [0] + [4] * 8, [4] * 8, [4] * 10, ["4"] * 9, [4.0] * 9, [True] * 9, []],
    )
    def test_bad_scores_are_400_on_scores(self, api_client, done, scores):
        response = post(api_client, done[0], scores)
        assert response.status_code == 400
        assert "scores" in response.json()["errors"]
        assert not SurveyResponse.objects.exists()

    def test_bad_profile_is_400(self, api_client, done):
        response = post(api_client, done[0], [4] * 9, sex="X")
        assert response.status_code == 400
        assert "sex" in response.json()["errors"]

    def test_unknown_tracking_code_is_400(self, api_client, db):
        response = api_client.post(
            URL, {"tracking_code": "TIDAKADA", "scores": [4] * 9}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"]["tracking_code"] == [
            "Kode pelacakan tiket tidak ditemukan."
        ]

    def test_throttled_by_its_own_scope(self, api_client, done, monkeypatch):
        monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "surveys", "2/hour")
        assert post(api_client, done[0], [4] * 9).status_code == 201
        assert post(api_client, done[1], [4] * 9).status_code == 201
        assert post(api_client, done[2], [4] * 9).status_code == 429


class TestIkm:
    @pytest.fixture
    def answered(self, api_client, done):
        for ticket, scores in zip(done, HAND_CHECKED, strict=False):
            assert post(api_client, ticket, scores).status_code == 201
        return done

    def test_hand_checked_example(self, api_client, answered, hall, django_assert_max_num_queries):
        with django_assert_max_num_queries(6):
            response = api_client.get(IKM, {"hall": hall.pk})
        assert response.status_code == 200
        assert response.json() == {
            "respondents": 3,
            "nrr": [3.6667, 3.3333, 2.6667, 4.0, 3.0, 3.3333, 3.6667, 3.6667, 2.6667],
            "ikm": 83.33,
            "grade": "B",
            "grade_label": "Baik",
            "population": 4,
            "min_sample": 4,
            "sample_reached": False,
        }

    def test_the_schema_says_ikm_and_grade_may_be_null(self, api_client, db):
        schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()
        fields = schema["components"]["schemas"]["Ikm"]["properties"]
        assert all(fields[name].get("nullable") for name in ("ikm", "grade", "grade_label"))
        assert not fields["respondents"].get("nullable")

    def test_filters(self, api_client, answered, agency_a, agency_b, service_a):
        assert api_client.get(IKM, {"agency": agency_a.pk}).json()["respondents"] == 3
        assert api_client.get(IKM, {"service": service_a.pk}).json()["ikm"] == 83.33
        other = api_client.get(IKM, {"agency": agency_b.pk}).json()
        # No answer, no index: null, not an IKM of 0 (the scale starts at 25).
        assert (other["respondents"], other["ikm"], other["grade"], other["grade_label"]) == (
            0,
            None,
            None,
            None,
        )
        assert (
            api_client.get(IKM, {"from": "2026-12-01", "to": "2026-12-01"}).json()["respondents"]
            == 3
        )
        assert api_client.get(IKM, {"from": "2026-12-02"}).json()["respondents"] == 0

    def test_bad_query_is_400(self, api_client, db):
        response = api_client.get(IKM, {"from": "kemarin"})
        assert response.status_code == 400 and "from" in response.json()["errors"]
        response = api_client.get(IKM, {"from": "2026-12-02", "to": "2026-12-01"})
        assert response.status_code == 400 and "to" in response.json()["errors"]
        response = api_client.get(IKM, {"agency": 999999})
        assert response.status_code == 400 and "agency" in response.json()["errors"]
