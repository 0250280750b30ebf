"""``flask …`` commands that are not owned by one feature: demo data, audit checks, accounts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from competition import clock
from competition.errors import DomainError
from competition.extensions import db

demo_cli = AppGroup("demo", help="演示数据。")
audit_cli = AppGroup("audit", help="审计日志。")
users_cli = AppGroup("users", help="账号。")
jobs_cli = AppGroup("jobs", help="后台任务。")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列中的任务后退出。")
def jobs_worker(burst: bool) -> None:
    """Run an RQ worker for the platform's queue (needs REDIS_URL; start one or more beside the web server)."""
    from flask import current_app
    from rq import Worker

    from competition.jobs.queue import QUEUE_NAME, RQBackend

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException(
            "未设置 REDIS_URL：没有 Redis 时后台任务在网站进程内运行，无需单独启动 worker。"
        )
    backend = RQBackend(url)
    Worker([QUEUE_NAME], connection=backend.connection).work(burst=burst)


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="数据库已有账号时静默跳过，而不是报错。")
def demo_load(if_empty: bool) -> None:
    """Load the demo year (contests A–C of REAL-CONTESTS.md) into an empty database."""
    from competition.demo.accounts import DEMO_LOGINS, DEMO_PASSWORD
    from competition.demo.load import load_demo

    try:
        summary = load_demo(now=clock.now())
    except DomainError as error:
        db.session.rollback()
        if if_empty:
            click.echo("数据库已有数据，跳过演示数据。")
        else:
            raise click.ClickException(error.message) from error
    else:
        db.session.commit()
        click.echo(
            f"演示数据已载入：{summary.contests} 个竞赛，{summary.events} 个赛项，{summary.bodies} 个组织单位，"
            f"{summary.units} 个单位，{summary.users} 个账号，{summary.competitors} 名选手。"
        )
    click.echo(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
    for role, username, what in DEMO_LOGINS:
        click.echo(f"  {username:<14} {role} — {what}")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the audit log; exit 1 and list every broken entry."""
    from competition.audit.services import verify_chain

    problems = verify_chain()
    if problems:
        for problem in problems:
            click.echo(f"#{problem.entry_id}: {problem.problem}", err=True)
        raise SystemExit(1)
    click.echo("审计日志完整：哈希链无断裂。")


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--name", "display_name", default="系统管理员", help="显示的姓名。")
@click.password_option(help="初始密码（至少 10 位，含字母和数字）。")
def create_admin(username: str, display_name: str, password: str) -> None:
    """Create a system administrator account (for a production database without the demo)."""
    from competition.accounts.models import Role
    from competition.accounts.services import create_user

    try:
        create_user(
            username=username,
            display_name=display_name,
            password=password,
            role=Role.ADMIN,
            now=clock.now(),
            actor=None,
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"管理员账号 {username} 已创建。")


def register(app: Flask) -> None:
    """Attach the command groups to ``app``: those above, and the features' own
    (``flask scoring standings``, ``flask promotion evaluate``)."""
    from competition.promotion.cli import promotion_cli
    from competition.scoring.cli import scoring_cli

    for group in (demo_cli, audit_cli, users_cli, jobs_cli, scoring_cli, promotion_cli):
        app.cli.add_command(group)

    from competition.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
