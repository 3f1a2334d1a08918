from django import template
from django.utils.safestring import SafeString

from tracks.fragments import PAGE, PAGE_REGIONS, slot
from tracks.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text)


class PageSlotNode(template.Node):
    def __init__(self, name: str, condition: template.base.FilterExpression | None, nodelist):
        self.name = name
        self.condition = condition
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        regions = context.get(PAGE_REGIONS)
        if regions is None:
            if self.condition is not None and not self.condition.resolve(context):
                return ""
            return self.nodelist.render(context)
        if self.condition is not None:
            regions[self.name] = self.nodelist.render(context)
        return slot(PAGE, self.name)


@register.tag
def pageslot(parser: template.base.Parser, token: template.base.Token) -> PageSlotNode:
    """A part of a page that is cached whole (tracks.fragments.Page) which differs per request.

    `{% pageslot "name" %}…{% endpageslot %}` renders its content as usual; while the page is
    built for the cache it leaves a slot that the view fills per request instead.
    `{% pageslot "name" if condition %}…{% endpageslot %}` renders its content only when the
    condition holds; for the cache the content is kept as a region, shown or not per request.
    """
    bits = token.split_contents()
    if len(bits) not in (2, 4) or (len(bits) == 4 and bits[2] != "if"):
        raise template.TemplateSyntaxError(
            f'{bits[0]} takes a quoted name and, optionally, "if" and a condition'
        )
    name = bits[1].strip("\"'")
    condition = parser.compile_filter(bits[3]) if len(bits) == 4 else None
    nodelist = parser.parse(("endpageslot",))
    parser.delete_first_token()
    return PageSlotNode(name, condition, nodelist)
