try:  # Ctrl+C this early must not print a traceback either (see whisperscope.cli.main)
    from whisperscope.cli import run
except KeyboardInterrupt:
    raise SystemExit(130) from None

# guarded: worker processes started with "spawn" import this module again (align --jobs)
if __name__ == "__main__":
    run()
