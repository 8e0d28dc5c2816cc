"""SKM pages: the citizen's survey on a phone, the link from tracking, the counter tablet."""

import importlib

import pytest
from django.urls import reverse

from services import queue, skm
from services.models import SurveyQuestion, SurveyResponse

# The three hand-checked questionnaires of test_skm.py::test_hand_checked_example: IKM 83,33 (B).
HAND_CHECKED = [
    [4, 3, 3, 4, 3, 3, 4, 4, 3],
    [3, 3, 2, 4, 3, 3, 3, 4, 3],
    [4, 4, 3, 4, 3, 4, 4, 3, 2],
]


def serve(service, counter, staff, n):
    """Issue, call, start and finish ``n`` tickets of ``service`` at ``counter``."""
    if not counter.is_open:
        queue.counter_open(counter=counter, by=staff)
        counter.refresh_from_db()
    done = []
    for _ in range(n):
        queue.ticket_issue(service=service)
        ticket = queue.ticket_call_next(counter=counter, by=staff)
        queue.ticket_start(ticket=ticket, by=staff)
        done.append(queue.ticket_finish(ticket=ticket, by=staff))
    return done


@pytest.fixture
def done_ticket(service_a, counter_a, staff_a):
    return serve(service_a, counter_a, staff_a, 1)[0]


def answers(scores, **extra):
    return {**{f"u{n}": str(score) for n, score in enumerate(scores, start=1)}, **extra}


def test_seeded_questions_follow_the_regulation(db):
    # A transactional test elsewhere flushes the tables and with them the migration's rows:
    # run its (idempotent) seed again, then check what it wrote.
    from django.apps import apps

    migration = importlib.import_module("services.migrations.0003_skm_questions")
    migration.seed(apps, None)
    questions = list(SurveyQuestion.objects.order_by("element"))
    assert [q.element for q in questions] == list(range(1, 10))
    assert questions[0].question.startswith(
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan"
    )
    assert (questions[0].answer_1, questions[0].answer_4) == ("Tidak sesuai", "Sangat sesuai")
    # Biaya/Tarif: "Gratis" scores 4 (DOMAIN.md).
    assert questions[3].answer_4 == "Gratis"
    # Without the rows the page still asks the standard wording.
    SurveyQuestion.objects.all().delete()
    from services.forms.survey import survey_questions

    assert [q.question for q in survey_questions()] == [q.question for q in questions]


class TestQuestionAdmin:
    """The wording is edited in the Django admin; the nine elements stay fixed."""

    @pytest.fixture
    def superuser(self, db):
        from django.apps import apps

        from tests.factories import UserFactory

        importlib.import_module("services.migrations.0003_skm_questions").seed(apps, None)
        return UserFactory(username="super.skm", is_staff=True, is_superuser=True)

    def test_the_changelist_lists_the_nine_elements_in_order(self, client, superuser):
        from services.models import SKM_ELEMENTS

        client.force_login(superuser)
        response = client.get(reverse("admin:services_surveyquestion_changelist"))
        assert response.status_code == 200
        page = response.content.decode()
        positions = [page.index(str(name)) for _element, name in SKM_ELEMENTS]
        assert positions == sorted(positions)
        assert reverse("admin:services_surveyquestion_add") not in page
        assert 'value="delete_selected"' not in page

    def test_the_wording_is_edited_and_the_survey_asks_it(self, client, superuser, done_ticket):
        question = SurveyQuestion.objects.get(element=4)
        url = reverse("admin:services_surveyquestion_change", args=[question.pk])
        client.force_login(superuser)
        response = client.get(url)
        assert response.status_code == 200
        assert 'name="element"' not in response.content.decode()  # read-only
        data = {
            "element": "9",  # ignored: the element is read-only
            "question": "Bagaimana pendapat Saudara tentang biaya di MPP Perigo Agung?",
            "answer_1": "Sangat mahal",
            "answer_2": "Mahal",
            "answer_3": "Murah",
            "answer_4": "Gratis",
        }
        assert client.post(url, data).status_code == 302
        question.refresh_from_db()
        assert (question.element, question.answer_2) == (4, "Mahal")
        client.logout()
        survey = client.get(reverse("services:survey", args=[done_ticket.tracking_code]))
        assert "biaya di MPP Perigo Agung?" in survey.content.decode()

    def test_no_tenth_element_and_none_deleted(self, client, superuser):
        question = SurveyQuestion.objects.get(element=1)
        client.force_login(superuser)
        assert client.get(reverse("admin:services_surveyquestion_add")).status_code == 403
        delete = reverse("admin:services_surveyquestion_delete", args=[question.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert SurveyQuestion.objects.count() == 9
        # A missing element may be added back, and only one of the nine.
        question.delete()
        assert client.get(reverse("admin:services_surveyquestion_add")).status_code == 200

    def test_a_hall_admin_may_not(self, client, superuser, hall_admin):
        client.force_login(hall_admin)
        response = client.get(reverse("admin:services_surveyquestion_changelist"))
        assert response.status_code in (302, 403)


class TestTrackingLink:
    def test_done_ticket_without_answer_links_to_the_survey(self, client, done_ticket):
        page = client.get(done_ticket.get_absolute_url()).content.decode()
        assert "Isi survei kepuasan" in page
        assert reverse("services:survey", args=[done_ticket.tracking_code]) in page

    def test_no_link_once_answered_or_while_waiting(self, client, done_ticket, service_a):
        skm.survey_submit(ticket=done_ticket, scores=[4] * 9)
        assert (
            "Isi survei kepuasan" not in client.get(done_ticket.get_absolute_url()).content.decode()
        )
        waiting = queue.ticket_issue(service=service_a)
        assert "Isi survei kepuasan" not in client.get(waiting.get_absolute_url()).content.decode()


class TestPhoneSurvey:
    def url(self, ticket):
        return reverse("services:survey", args=[ticket.tracking_code])

    def test_nine_questions_in_order_as_radio_groups(
        self, client, done_ticket, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(4):
            response = client.get(self.url(done_ticket))
        assert response.status_code == 200
        page = response.content.decode()
        positions = [page.index(f'id="soal-u{n}"') for n in range(1, 10)]
        assert positions == sorted(positions)
        assert page.count("<fieldset") >= 10  # nine questions and the sex choice
        assert page.count("<legend") >= 10
        assert page.count('type="radio"') == 9 * 4 + 2
        assert "kesesuaian persyaratan pelayanan" in page and "Gratis" in page
        assert "Kirim survei" in page

    def test_answer_goes_to_the_thank_you_page(self, client, done_ticket):
        data = answers(
            HAND_CHECKED[0],
            sex="P",
            age_band="30-39",
            education="sma",
            occupation="wirausaha",
            suggestion="  Ruang tunggu perlu kipas angin.  ",
        )
        response = client.post(self.url(done_ticket), data)
        thanks = reverse("services:survey_thanks", args=[done_ticket.tracking_code])
        assert response.status_code == 302 and response["Location"] == thanks
        saved = SurveyResponse.objects.get(ticket=done_ticket)
        assert saved.scores == HAND_CHECKED[0]
        assert (saved.sex, saved.age_band, saved.education, saved.occupation) == (
            "P",
            "30-39",
            "sma",
            "wirausaha",
        )
        assert saved.suggestion == "Ruang tunggu perlu kipas angin."
        assert saved.channel == SurveyResponse.Channel.PHONE
        assert "Terima kasih" in client.get(thanks).content.decode()

    def test_profile_is_optional(self, client, done_ticket):
        response = client.post(self.url(done_ticket), answers([3] * 9))
        assert response.status_code == 302
        assert SurveyResponse.objects.get(ticket=done_ticket).sex == ""

    def test_missing_and_bad_answers_show_indonesian_errors(self, client, done_ticket):
        data = answers([4] * 8)  # u9 missing
        data["u2"] = "7"
        response = client.post(self.url(done_ticket), data)
        assert response.status_code == 400
        page = response.content.decode()
        assert "Pilih salah satu jawaban." in page
        assert "Jawaban ini tidak ada dalam pilihan." in page
        assert "belum dijawab" in page
        # What was chosen stays chosen.
        assert 'id="id_u1_4" value="4" autocomplete="off" required checked' in page
        assert not SurveyResponse.objects.exists()

    def test_second_visit_says_already_answered(self, client, done_ticket):
        skm.survey_submit(ticket=done_ticket, scores=[4] * 9)
        page = client.get(self.url(done_ticket)).content.decode()
        assert "sudah diisi, terima kasih" in page
        assert 'type="radio"' not in page
        response = client.post(self.url(done_ticket), answers([1] * 9))
        assert "sudah diisi, terima kasih" in response.content.decode()
        assert SurveyResponse.objects.get().scores == [4] * 9

    def test_ticket_not_done_gets_a_friendly_message(self, client, service_a):
        waiting = queue.ticket_issue(service=service_a)
        page = client.get(self.url(waiting)).content.decode()
        assert "setelah layanan Anda selesai" in page
        client.post(self.url(waiting), answers([4] * 9))
        assert not SurveyResponse.objects.exists()

    def test_unknown_ticket_is_404(self, client, db):
        assert client.get(reverse("services:survey", args=["TIDAKADA123"])).status_code == 404


class TestTablet:
    def url(self, counter):
        return reverse("services:survey_tablet", args=[counter.pk])

    def test_shows_the_last_finished_ticket_and_returns_to_waiting(
        self, client, staff_a, counter_a, service_a
    ):
        first, last = serve(service_a, counter_a, staff_a, 2)
        client.force_login(staff_a)
        page = client.get(self.url(counter_a)).content.decode()
        assert f'name="ticket" value="{last.pk}"' in page
        response = client.post(self.url(counter_a), answers([4] * 9, ticket=last.pk))
        assert response.status_code == 302 and response["Location"].endswith("?terima=1")
        assert SurveyResponse.objects.get(ticket=last).channel == SurveyResponse.Channel.KIOSK
        thanked = client.get(response["Location"]).content.decode()
        assert "Terima kasih" in thanked and 'http-equiv="refresh"' in thanked
        # The earlier visitor has no answer yet: the tablet offers that ticket next.
        assert (
            f'name="ticket" value="{first.pk}"' in client.get(self.url(counter_a)).content.decode()
        )
        client.post(self.url(counter_a), answers([3] * 9, ticket=first.pk))
        waiting = client.get(self.url(counter_a)).content.decode()
        assert "Survei akan muncul di sini" in waiting and 'http-equiv="refresh"' in waiting

    def test_stale_ticket_is_refused(self, client, staff_a, counter_a, service_a):
        first, last = serve(service_a, counter_a, staff_a, 2)
        client.force_login(staff_a)
        response = client.post(self.url(counter_a), answers([4] * 9, ticket=first.pk))
        assert response.status_code == 409
        assert not SurveyResponse.objects.exists()

    def test_invalid_answer_keeps_the_form(self, client, staff_a, counter_a, service_a):
        (ticket,) = serve(service_a, counter_a, staff_a, 1)
        client.force_login(staff_a)
        response = client.post(self.url(counter_a), answers([4] * 8, ticket=ticket.pk))
        assert response.status_code == 400
        assert "Pilih salah satu jawaban." in response.content.decode()

    def test_other_agency_staff_and_anonymous_cannot_use_it(self, client, staff_b, counter_a):
        assert client.get(self.url(counter_a)).status_code == 302  # to the login page
        client.force_login(staff_b)
        assert client.get(self.url(counter_a)).status_code == 403
