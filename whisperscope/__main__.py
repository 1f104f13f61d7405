from whisperscope.cli import main

# guarded: worker processes started with "spawn" import this module again (align --jobs)
if __name__ == "__main__":
    raise SystemExit(main())
