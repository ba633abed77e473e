"""The `aspirasi` command line: one click group, commands defined per feature in gateway.commands."""

import click

from gateway.commands import contacts, core, ops, parse, simulate, smsgate, staff


@click.group()
@click.version_option(package_name="aspirasi")
def main():
    """Aspirasi: SMS/WhatsApp aspiration gateway for Musrenbang in Bitung."""


for module in (core, simulate, parse, staff, contacts, ops, smsgate):
    for command in module.COMMANDS:
        main.add_command(command)


if __name__ == "__main__":  # pragma: no cover
    main()
