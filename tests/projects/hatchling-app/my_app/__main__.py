def cli():
    print("hi")
