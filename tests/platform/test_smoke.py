def test_home_answers(client, hall):
    response = client.get("/")
    assert response.status_code == 200
    assert hall.name in response.content.decode()
