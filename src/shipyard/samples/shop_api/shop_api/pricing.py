"""The price of an order: its items, the customer's discounts and the tax."""

import os


def price(kind, total, member, coupon, country):
    if kind == "book":
        rate = 0.05
    elif kind == "food":
        rate = 0.07
    elif kind == "toy":
        rate = 0.2
    elif kind == "music":
        rate = 0.19
    else:
        rate = 0.19
    if member and total > 100:
        rate -= 0.01
    if coupon == "SPRING" or coupon == "SUMMER":
        total = total * 0.9
    elif coupon == "VIP" and member:
        total = total * 0.8
    if country != "DE" and country != "AT":
        rate = 0.0
    return round(total * (1 + rate), 2)


def shipping(weight):
    return 4.9 if weight < 2 else 9.9
