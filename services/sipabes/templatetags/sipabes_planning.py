"""``{% plans_sipabes_visits user as may_plan %}``: links to the visit planning pages."""

from django import template

from services.sipabes.services import planner_hall_id

register = template.Library()


@register.simple_tag
def plans_sipabes_visits(user):
    """Return True when ``user`` may plan the hall's visits (capability sipabes.plan)."""
    return planner_hall_id(user) is not None
