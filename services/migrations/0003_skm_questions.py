"""Seed the nine SKM questions with the standard wording (Permenpan RB 14/2017 appendix).

Admins may reword them later; this migration only fills elements that are missing, so
running it on a database with edited questions changes nothing.
"""

from django.db import migrations

# (element, question, answers 1..4). For Biaya/Tarif a free service scores 4 (DOMAIN.md).
QUESTIONS = [
    (
        1,
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        2,
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    (
        3,
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    (
        4,
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    (
        5,
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
        "tercantum dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    (
        6,
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    (
        7,
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
        "kesopanan dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    (
        8,
        "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran dan masukan di unit ini?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    (
        9,
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat baik"),
    ),
]


def seed(apps, schema_editor):
    SurveyQuestion = apps.get_model("services", "SurveyQuestion")
    for element, question, answers in QUESTIONS:
        SurveyQuestion.objects.get_or_create(
            element=element,
            defaults={
                "question": question,
                **{f"answer_{n}": text for n, text in enumerate(answers, start=1)},
            },
        )


class Migration(migrations.Migration):
    dependencies = [("services", "0002_booking_and_survey")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
