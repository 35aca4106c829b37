from savile.cli import app

app(prog_name="savile")
