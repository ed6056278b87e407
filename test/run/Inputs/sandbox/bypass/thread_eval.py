# eval from a thread started with _thread: its bottom frame has no f_back.
import _thread, time
out = []
def g():
    try:
        out.append(eval('6 * 7'))
    except Exception as e:
        out.append(f'{type(e).__name__}: {e}')
_thread.start_new_thread(g, ())
while not out:
    time.sleep(0.01)
print(out[0])
