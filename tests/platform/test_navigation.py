from django.urls import NoReverseMatch, reverse

from mpp_portal.accounts.context_processors import NAV_ITEMS, NOT_YET_BUILT


def test_every_menu_item_points_at_a_page():
    missing = []
    for url_name, *_rest in NAV_ITEMS:
        if url_name.split(":")[0] in NOT_YET_BUILT:
            continue
        try:
            reverse(url_name)
        except NoReverseMatch:
            missing.append(url_name)
    assert missing == []
