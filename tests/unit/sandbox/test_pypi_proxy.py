"""The sandbox's PyPI proxy: how it reads a remote's page and where it looks."""

from __future__ import annotations

from shipyard.sandbox import _pypi_proxy as proxy


def test_the_remote_simple_index_is_found_as_nexus_finds_it():
    assert proxy._simple_base("https://pypi.org/") == "https://pypi.org/simple/"
    assert proxy._simple_base("https://mirror.example/simple") == "https://mirror.example/simple/"


def test_links_of_a_pep503_page_keep_their_attributes():
    parser = proxy._Links()
    parser.feed('<a href="../f/demo-1.0.tar.gz#sha256=ab" data-requires-python="&gt;=3.9">x</a>'
                '<a href="demo-0.9.tar.gz" data-yanked="">y</a>')  # fmt: skip
    assert parser.links == [
        {"href": "../f/demo-1.0.tar.gz#sha256=ab", "data-requires-python": ">=3.9"},
        {"href": "demo-0.9.tar.gz", "data-yanked": ""},
    ]


def test_a_hosted_file_shadows_the_proxys_file_of_the_same_name():
    anchors = ['<a href="../../packages/a/1.0/a-1.0.whl#md5=1">a-1.0.whl</a>']
    proxy._merge(anchors, ['<a href="../../packages/x/a-1.0.whl">a-1.0.whl</a>',
                           '<a href="../../packages/y/a-0.9.whl">a-0.9.whl</a>'])  # fmt: skip
    assert anchors == ['<a href="../../packages/a/1.0/a-1.0.whl#md5=1">a-1.0.whl</a>',
                       '<a href="../../packages/y/a-0.9.whl">a-0.9.whl</a>']  # fmt: skip
