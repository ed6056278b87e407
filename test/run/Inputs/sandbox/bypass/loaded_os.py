import site
site.os.system("echo escaped")
