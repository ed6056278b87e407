import subprocess
print(subprocess.run(["id"]))
