from shop_api.pricing import price, shipping


def test_book_price_in_germany():
    assert price("book", 10.0, member=False, coupon="", country="DE") == 10.5


def test_light_parcels_ship_cheaply():
    assert shipping(1) == 4.9
