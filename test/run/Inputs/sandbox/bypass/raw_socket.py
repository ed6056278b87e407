import _socket
print(_socket.socket())
