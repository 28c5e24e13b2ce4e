package server

import "github.com/coder/websocket"

func msgType(t int) websocket.MessageType { return websocket.MessageType(t) }
